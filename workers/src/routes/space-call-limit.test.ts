// The space-wide concurrent-call limit: the Owner sets it (PATCH /v1/spaces/{id}), and live phone
// sessions of the space — outbound on any number, inbound on any number — never exceed it: past
// it an outbound call is refused with 429 naming the space's limit, an inbound one gets busy, and
// of requests racing for the last slot only the first created is placed.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall } from "../../test/outbound-fixtures.ts";
import { addNumber, newCallSid, phoneWorld, postTwilio, voiceParams } from "../telephony/testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const setLimit = (w: World, maxConcurrentCalls: number) => call("PATCH", `/v1/spaces/${w.spaceId}`, { token: w.owner.token, json: { maxConcurrentCalls } });
const place = (w: World, phoneNumberId: string) =>
  call("POST", `/v1/agents/${w.agentId}/calls`, { token: w.owner.token, json: { to: "+1 415-555-0100", fromNumberId: phoneNumberId, variables: { order_id: 42 } } });
const liveOf = (spaceId: string) => withDb(async (db) => (await db.select().from(sessions).where(eq(sessions.spaceId, spaceId))).filter((r) => r.status !== "failed" && r.status !== "completed"));

describe("PATCH /v1/spaces/{spaceId} maxConcurrentCalls", () => {
  it("lets the Owner set the limit, shows it to members, and keeps the name when only the limit changes", async () => {
    const w = await makeWorld();
    const before = await call("GET", `/v1/spaces/${w.spaceId}`, { token: w.member.token });
    expect(before.body).toMatchObject({ name: "World space", maxConcurrentCalls: 10 });
    const res = await setLimit(w, 25);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name: "World space", maxConcurrentCalls: 25 });
    const renamed = await call("PATCH", `/v1/spaces/${w.spaceId}`, { token: w.owner.token, json: { name: "Calls" } });
    expect(renamed.body).toMatchObject({ name: "Calls", maxConcurrentCalls: 25 });
    const listed = await call("GET", "/v1/spaces", { token: w.member.token });
    expect(listed.body.data?.find((s) => s["id"] === w.spaceId)).toMatchObject({ maxConcurrentCalls: 25 });
  });

  it("refuses a member, values outside 1..1000 naming the field, and an empty body, changing nothing", async () => {
    const w = await makeWorld();
    expectProblem(await call("PATCH", `/v1/spaces/${w.spaceId}`, { token: w.member.token, json: { maxConcurrentCalls: 50 } }), 403, "forbidden");
    for (const value of [0, 1001, 2.5, "10"]) {
      const res = await setLimit(w, value as number);
      expectProblem(res, 400, "validation_failed");
      expect(res.body["errors"]).toEqual([expect.objectContaining({ field: "body.maxConcurrentCalls" })]);
    }
    expectProblem(await call("PATCH", `/v1/spaces/${w.spaceId}`, { token: w.owner.token, json: {} }), 400, "validation_failed");
    expect((await call("GET", `/v1/spaces/${w.spaceId}`, { token: w.owner.token })).body).toMatchObject({ maxConcurrentCalls: 10 });
  });
});

describe("the space's concurrent-call limit", () => {
  it("refuses an outbound call past the space's limit across two numbers with 429 naming it, until a call ends", async () => {
    const w = await makeWorld();
    expect((await setLimit(w, 2)).status).toBe(200);
    const a = await phoneFixture(w.spaceId);
    const b = await phoneFixture(w.spaceId);
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    expect((await place(w, a.phoneNumberId)).status).toBe(201);
    expect((await place(w, b.phoneNumberId)).status).toBe(201);
    const busy = await place(w, a.phoneNumberId);
    expectProblem(busy, 429, "rate_limited");
    expect(busy.body["detail"]).toContain("the space already has 2 of its 2 concurrent calls");
    expect(busy.body["detail"]).toContain("maxConcurrentCalls");
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(twilio.requests).toHaveLength(2);
    expect(await liveOf(w.spaceId)).toHaveLength(2);

    const [ended] = await liveOf(w.spaceId);
    await withDb((db) => db.update(sessions).set({ status: "completed" }).where(eq(sessions.id, ended?.id ?? "")));
    expect((await place(w, b.phoneNumberId)).status).toBe(201);
    expect(twilio.requests).toHaveLength(3);
  });

  it("places one call, not three, when requests on different numbers race for the space's last slot", async () => {
    const w = await makeWorld();
    expect((await setLimit(w, 1)).status).toBe(200);
    const numbers = await Promise.all([phoneFixture(w.spaceId), phoneFixture(w.spaceId), phoneFixture(w.spaceId)]);
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    const answers = await Promise.all(numbers.map((n) => place(w, n.phoneNumberId)));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 429, 429]);
    expect(twilio.requests).toHaveLength(1);
    expect((await liveOf(w.spaceId)).map((r) => r.id)).toEqual([answers.find((r) => r.status === 201)?.body["sessionId"]]);
  });

  it("answers an inbound call busy when the space is at its limit, even on a number with free slots", async () => {
    const pw = await phoneWorld();
    expect((await setLimit(pw.world, 1)).status).toBe(200);
    const other = await addNumber(pw, { agentId: pw.agentId });
    expect((await postTwilio(pw, "voice", voiceParams(pw, newCallSid()))).text).toContain("<Stream");
    const busy = await postTwilio(pw, "voice", voiceParams({ accountSid: pw.accountSid, e164: other.e164 }, newCallSid()));
    expect(busy.status).toBe(200);
    expect(busy.text).toContain('<Reject reason="busy"/>');
    expect(await liveOf(pw.world.spaceId)).toHaveLength(1);

    // An outbound call counts too: with the limit raised to 2 and one outbound call live, the next inbound call is busy.
    expect((await setLimit(pw.world, 2)).status).toBe(200);
    const outbound = await phoneFixture(pw.world.spaceId);
    fakeTwilio(() => twilioCall(callSid(), "queued"));
    expect((await place(pw.world, outbound.phoneNumberId)).status).toBe(201);
    expect((await postTwilio(pw, "voice", voiceParams({ accountSid: pw.accountSid, e164: other.e164 }, newCallSid()))).text).toContain('<Reject reason="busy"/>');
    expect(await liveOf(pw.world.spaceId)).toHaveLength(2);
  });
});
