// POST /runtime/v1/sessions/{id}/phone/transfer: the runtime names a destination; the Worker finds
// its number in the configuration the session runs and hands the live Twilio call a <Dial> from
// the space's number. Unknown names, sessions that are not live phone calls and Twilio's refusals
// are problems; nothing is recorded here (the runtime reports phone.transferred itself).
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sessionRuntimeEvents } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall, twilioError, type PhoneFixture, type TwilioAnswer, type TwilioRequest } from "../../test/outbound-fixtures.ts";
import { dispatched, postEvent, runtimeCall, serviceToken } from "../runtime/testing.ts";

let world: World;
let agentId = "";
let number: PhoneFixture;

const destinations = (billing: string) => [
  { type: "system", name: "end_call" },
  { type: "system", name: "transfer_to_number", destinations: [
    { name: "billing desk", number: billing, when: "questions about invoices", announcement: "Transferring you to billing." },
    { name: "front desk", number: "+14155550177", when: "anything else" },
    { name: "london office", number: "+442079460958", when: "the caller is in the UK" },
  ] },
];

beforeAll(async () => {
  world = await makeWorld();
  const agent = await call("POST", `/v1/spaces/${world.spaceId}/agents`, { token: world.owner.token, json: agentBody({ tools: destinations("+14155550199") }) });
  if (agent.status !== 201) throw new Error(`agent: ${agent.text}`);
  agentId = String(agent.body["id"]);
  const published = await call("POST", `/v1/agents/${agentId}/publish`, { token: world.owner.token, json: {} });
  if (published.status !== 200 && published.status !== 201) throw new Error(`publish: ${published.text}`);
  // The draft moves on; sessions run the published version, whose number is the one dialled.
  const edited = await call("PATCH", `/v1/agents/${agentId}`, { token: world.owner.token, json: agentBody({ tools: destinations("+14155550188") }) });
  if (edited.status !== 200) throw new Error(`edit: ${edited.text}`);
  number = await phoneFixture(world.spaceId, { maxConcurrentCalls: 100 });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** A placed outbound call whose runtime has joined (`active`), unless `join` is false. */
async function liveCall(then: (req: TwilioRequest) => TwilioAnswer, join = true): Promise<{ sessionId: string; sid: string; requests: TwilioRequest[] }> {
  const sid = callSid();
  const twilio = fakeTwilio((req) => (req.path.endsWith("/Calls.json") ? twilioCall(sid, "queued") : then(req)));
  const placed = await call("POST", `/v1/agents/${agentId}/calls`, { token: world.owner.token, json: { to: "+14155550100", fromNumberId: number.phoneNumberId, variables: { order_id: 7 } } });
  if (placed.status !== 201) throw new Error(`placing the call failed: ${placed.text}`);
  const sessionId = String(placed.body["sessionId"]);
  if (join) await postEvent(sessionId, "ready", { type: "agent.ready" });
  twilio.requests.length = 0;
  return { sessionId, sid, requests: twilio.requests };
}

const transfer = async (sessionId: string, destination: unknown) =>
  runtimeCall("POST", `/sessions/${sessionId}/phone/transfer`, { token: await serviceToken({ sessionId }), json: { destination } });

describe("POST /runtime/v1/sessions/{sessionId}/phone/transfer", () => {
  it("redirects the live call to a <Dial> of the destination's number from the space's number", async () => {
    const live = await liveCall((req) => twilioCall(live.sid, "in-progress", { to: req.form.get("To") ?? "" }));
    const res = await transfer(live.sessionId, "billing desk");
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ transferred: true });
    expect(live.requests).toHaveLength(1);
    expect(live.requests[0]?.path).toBe(`/Accounts/${number.accountSid}/Calls/${live.sid}.json`);
    expect(Object.fromEntries(live.requests[0]?.form ?? [])).toEqual({
      Twiml: `<?xml version="1.0" encoding="UTF-8"?><Response><Dial callerId="${number.e164}" timeout="30"><Number>+14155550199</Number></Dial></Response>`,
    });
    // Nothing recorded by the Worker: the runtime reports the transfer as its own event.
    const events = await withDb((db) => db.select({ type: sessionRuntimeEvents.type }).from(sessionRuntimeEvents).where(eq(sessionRuntimeEvents.sessionId, live.sessionId)));
    expect(events.map((e) => e.type)).toEqual(["agent.ready"]);
  });

  it("answers 404 for a destination the session's configuration does not name, and takes no number from the runtime", async () => {
    const live = await liveCall(() => twilioCall("x", "in-progress"));
    const unknown = await transfer(live.sessionId, "the boss");
    expectProblem(unknown, 404, "not_found");
    expect(unknown.body["detail"]).toBe("transfer destination not found");
    // Names are exact: the same words in another case are another name.
    expectProblem(await transfer(live.sessionId, "Billing Desk"), 404, "not_found");
    const withNumber = await runtimeCall("POST", `/sessions/${live.sessionId}/phone/transfer`, { json: { destination: "billing desk", number: "+19005550100" } });
    expectProblem(withNumber, 400, "validation_failed");
    expect(live.requests).toHaveLength(0);
  });

  it("refuses a destination in a country the space's number may not call (403), without asking Twilio", async () => {
    const live = await liveCall(() => twilioCall("x", "in-progress"));
    const res = await transfer(live.sessionId, "london office");
    expectProblem(res, 403, "destination_not_allowed");
    expect(String(res.body["detail"])).toContain("GB");
    expect(live.requests).toHaveLength(0);
  });

  it("answers 409 for a session that is not a live phone call: a web session, a call not yet answered", async () => {
    const web = await dispatched(world);
    await postEvent(web.sessionId, "ready", { type: "agent.ready" });
    const notPhone = await transfer(web.sessionId, "billing desk");
    expectProblem(notPhone, 409, "conflict");
    expect(notPhone.body["detail"]).toContain("not a live phone call");

    const ringing = await liveCall(() => twilioCall("x", "in-progress"), false);
    expectProblem(await transfer(ringing.sessionId, "billing desk"), 409, "conflict");
    expect(ringing.requests).toHaveLength(0);
  });

  it("answers Twilio's refusals: a call that has ended 409, an outage 503 with Retry-After, refused credentials 502", async () => {
    const ended = await liveCall(() => twilioError(400, 21220, "Call is not in-progress. Cannot redirect."));
    expectProblem(await transfer(ended.sessionId, "front desk"), 409, "conflict");
    const outage = await liveCall(() => twilioError(503, 20500, "Service unavailable"));
    const unavailable = await transfer(outage.sessionId, "front desk");
    expectProblem(unavailable, 503, "upstream_unavailable");
    expect(unavailable.headers.get("retry-after")).toBe("5");
    const refused = await liveCall(() => twilioError(401, 20003, "Authenticate"));
    expectProblem(await transfer(refused.sessionId, "front desk"), 502, "upstream_rejected");
  });

  it("refuses a service token bound to another session", async () => {
    const live = await liveCall(() => twilioCall("x", "in-progress"));
    const res = await runtimeCall("POST", `/sessions/${live.sessionId}/phone/transfer`, { token: await serviceToken({ sessionId: "ses_01m91pwj43fvpp1pwa2ns3v8j7" }), json: { destination: "billing desk" } });
    expectProblem(res, 403, "forbidden");
    expect(live.requests).toHaveLength(0);
  });
});
