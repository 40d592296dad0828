// POST /v1/sessions/{id}/end: a phone session's call is hung up at Twilio (the session completes
// through Twilio's callbacks and the runtime); a session with nothing connected fails at once; an
// active web session and an ended one are refused.
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall, twilioError, type TwilioAnswer, type TwilioRequest } from "../../test/outbound-fixtures.ts";
import { dispatched, postEvent } from "../runtime/testing.ts";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const sessionRow = async (id: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, id))))[0];
const setRow = (id: string, values: Partial<typeof sessions.$inferInsert>) => withDb((db) => db.update(sessions).set(values).where(eq(sessions.id, id)));
const end = (sessionId: string, token = world.owner.token) => call("POST", `/v1/sessions/${sessionId}/end`, { token });

/** An outbound phone session placed through the fake Twilio; later Twilio requests go to `then`. */
async function phoneSession(then: (req: TwilioRequest) => TwilioAnswer | "unreachable"): Promise<{ sessionId: string; sid: string; requests: TwilioRequest[] }> {
  const number = await phoneFixture(world.spaceId);
  const sid = callSid();
  const twilio = fakeTwilio((req) => (req.path.endsWith("/Calls.json") ? twilioCall(sid, "queued") : then(req)));
  const placed = await call("POST", `/v1/agents/${world.agentId}/calls`, { token: world.owner.token, json: { to: "+14155550100", fromNumberId: number.phoneNumberId, variables: { order_id: 1 } } });
  if (placed.status !== 201) throw new Error(`placing the call failed: ${placed.text}`);
  twilio.requests.length = 0;
  return { sessionId: String(placed.body["sessionId"]), sid, requests: twilio.requests };
}

describe("POST /v1/sessions/{sessionId}/end", () => {
  it("hangs up a connected phone call at Twilio with Status=completed and answers 202 ending", async () => {
    const phone = await phoneSession((req) => twilioCall(req.path.split("/").at(-1)?.replace(".json", "") ?? "", "completed"));
    expect((await postEvent(phone.sessionId, "ready", { type: "agent.ready" })).status).toBe(200);
    await setRow(phone.sessionId, { providerStatus: "in-progress" });
    const res = await call("POST", `/v1/sessions/${phone.sessionId}/end`, { token: world.apiKey });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ sessionId: phone.sessionId, status: "ending" });
    expect(phone.requests.map((r) => ({ method: r.method, path: r.path, form: Object.fromEntries(r.form) }))).toEqual([
      { method: "POST", path: expect.stringMatching(new RegExp(`/Calls/${phone.sid}\\.json$`)), form: { Status: "completed" } },
    ]);
    // Twilio's callbacks and the runtime complete it; nothing here pretends they did.
    expect((await sessionRow(phone.sessionId))?.status).toBe("active");
  });

  it("cancels a call that is still ringing, and completes it when Twilio says it was answered meanwhile", async () => {
    const ringing = await phoneSession(() => twilioCall("x", "canceled"));
    await setRow(ringing.sessionId, { providerStatus: "ringing" });
    expect((await end(ringing.sessionId)).status).toBe(202);
    expect(ringing.requests.map((r) => r.form.get("Status"))).toEqual(["canceled"]);

    const answered = await phoneSession((req) => twilioCall("x", req.form.get("Status") === "canceled" ? "in-progress" : "completed"));
    await setRow(answered.sessionId, { providerStatus: "ringing" });
    expect((await end(answered.sessionId)).status).toBe(202);
    expect(answered.requests.map((r) => r.form.get("Status"))).toEqual(["canceled", "completed"]);
  });

  it("fails a phone session with no call placed yet at once, with the reason", async () => {
    const phone = await phoneSession(() => twilioCall("x", "completed"));
    await setRow(phone.sessionId, { providerCallId: null });
    const res = await end(phone.sessionId);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ sessionId: phone.sessionId, status: "failed" });
    expect(phone.requests).toHaveLength(0);
    expect(await sessionRow(phone.sessionId)).toMatchObject({ status: "failed", failureReason: "ended from the platform" });
  });

  it("fails a dispatching phone session whose call Twilio says is over already", async () => {
    const phone = await phoneSession(() => twilioError(400, 21220, "Call is not in-progress. Cannot redirect."));
    const res = await end(phone.sessionId);
    expect(res.body).toEqual({ sessionId: phone.sessionId, status: "failed" });
    expect(await sessionRow(phone.sessionId)).toMatchObject({ status: "failed", failureReason: "ended from the platform" });
  });

  it("answers Twilio's outage as 503 with Retry-After and leaves the session as it was", async () => {
    const phone = await phoneSession(() => twilioError(503, 20500, "Service unavailable"));
    const res = await end(phone.sessionId);
    expectProblem(res, 503, "upstream_unavailable");
    expect(res.headers.get("retry-after")).toBe("5");
    expect((await sessionRow(phone.sessionId))?.status).toBe("dispatching");
  });

  it("fails a web session still waiting for its agent, refuses an active one, and refuses an ended one", async () => {
    const waiting = await dispatched(world);
    const res = await end(waiting.sessionId);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ sessionId: waiting.sessionId, status: "failed" });
    expect(await sessionRow(waiting.sessionId)).toMatchObject({ status: "failed", failureReason: "ended from the platform" });
    const again = await end(waiting.sessionId);
    expectProblem(again, 409, "conflict");
    expect(again.body["detail"]).toContain("already ended");

    const active = await dispatched(world);
    await postEvent(active.sessionId, "ready", { type: "agent.ready" });
    const refused = await end(active.sessionId);
    expectProblem(refused, 409, "conflict");
    expect(refused.body["detail"]).toContain("only phone sessions");
    expect((await sessionRow(active.sessionId))?.status).toBe("active");
  });
});
