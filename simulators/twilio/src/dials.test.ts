import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DialStats } from "./dials.ts";
import type { CallReport } from "./model.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./server.ts";
import { fakeSpeak, testAccount } from "./test-harness.ts";

const from = "+15550000001";
const busy = "+15557770001";
const ringing = "+15557770002";

describe("create-call latency and the per-destination dial report", () => {
  let sim: TwilioSimulator;

  beforeEach(async () => {
    sim = await startTwilioSimulator({ accounts: [{ ...testAccount, numbers: [{ sid: "PN00000000000000000000000000000001", phoneNumber: from }] }], speak: fakeSpeak });
    sim.setPhone(busy, { answer: "busy" });
    sim.setPhone(ringing, { answer: "no-answer", ringMs: 60_000 });
  });
  afterEach(() => sim.close());

  const control = (path: string, method = "GET", body?: unknown) =>
    fetch(`${sim.url}/sim${path}`, { method, ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });

  function createCall(to: string, callFrom = from): Promise<Response> {
    return fetch(`${sim.url}/2010-04-01/Accounts/${testAccount.accountSid}/Calls.json`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${testAccount.accountSid}:${testAccount.authToken}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams([["To", to], ["From", callFrom], ["Twiml", "<Response><Hangup/></Response>"]]).toString(),
    });
  }

  it("holds every POST Calls.json for the configured latency before answering, and 0 answers at once", async () => {
    const set = await control("/config", "PUT", { createCallLatencyMs: 400 });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ createCallLatencyMs: 400 });
    const started = performance.now();
    const res = await createCall(busy);
    expect(res.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);

    // Requests wait side by side, not in a queue: a fixed latency, not a throughput limit.
    const parallel = performance.now();
    const all = await Promise.all([createCall(busy), createCall(busy), createCall(busy), createCall(busy)]);
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(performance.now() - parallel).toBeLessThan(800);

    await control("/config", "PUT", { createCallLatencyMs: 0 });
    const quick = performance.now();
    expect((await createCall(busy)).status).toBe(201);
    expect(performance.now() - quick).toBeLessThan(300);
    expect(await (await control("/config")).json()).toEqual({ createCallLatencyMs: 0 });
  });

  it("refuses a bad setting with 400 and keeps the previous one", async () => {
    for (const body of [{ createCallLatencyMs: -1 }, { createCallLatencyMs: 1.5 }, { createCallLatencyMs: "10" }, { createCallLatencyMs: 60_001 }, { latency: 5 }]) {
      expect((await control("/config", "PUT", body)).status).toBe(400);
    }
    expect(sim.config()).toEqual({ createCallLatencyMs: 0 });
    await expect(startTwilioSimulator({ accounts: [], createCallLatencyMs: -5 })).rejects.toThrow(/createCallLatencyMs/);
  });

  it("counts create-call requests per destination, refused ones included, and the most calls live to one number at once", async () => {
    const first = await createCall(ringing);
    const second = await createCall(ringing);
    expect([first.status, second.status]).toEqual([201, 201]);
    // Refused (From is not the account's): requested, never created.
    expect((await createCall(ringing, "+15559990000")).status).toBe(400);
    const busyCall = async (): Promise<CallReport> => {
      const sid = ((await (await createCall(busy)).json()) as { sid: string }).sid;
      return sim.waitForCall(sid, (c) => c.status === "busy", 5000);
    };
    // One busy call ended before the other was created: never two live at once.
    const firstBusy = await busyCall();
    const secondBusy = await busyCall();
    expect(firstBusy.endedAt !== null && firstBusy.endedAt <= secondBusy.createdAt).toBe(true);

    const { dials } = (await (await control("/dials")).json()) as { dials: DialStats[] };
    expect(dials).toEqual(
      expect.arrayContaining([
        { to: ringing, requests: 3, created: 2, maxLive: 2 },
        { to: busy, requests: 2, created: 2, maxLive: 1 },
      ]),
    );
    expect(((await (await control(`/dials?to=${encodeURIComponent(busy)}`)).json()) as { dials: DialStats[] }).dials).toEqual([{ to: busy, requests: 2, created: 2, maxLive: 1 }]);
    const listed = (await (await control(`/calls?to=${encodeURIComponent(ringing)}`)).json()) as { calls: CallReport[] };
    expect(listed.calls.map((c) => c.to)).toEqual([ringing, ringing]);
    expect(listed.calls.every((c) => c.endedAt === null && !Number.isNaN(Date.parse(c.createdAt)))).toBe(true);
  });
});
