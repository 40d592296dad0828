// POST /runtime/v1/sip/sessions (a SIP call a platform dispatch rule sent to the agent: its session,
// or why the caller is hung up) and POST /runtime/v1/sessions/{id}/sip (the session's SIP participant).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions } from "@speaknode/db";
import { call, expectProblem, withDb } from "../../test/helpers.ts";
import { dispatched, runtimeCall, serviceToken } from "../runtime/testing.ts";
import { addNumber, newCallSid, newE164, phoneWorld, postTwilio, voiceParams } from "../telephony/testing.ts";
import { sipWorld, type SipWorld } from "../telephony/sip-testing.ts";

const sessionRow = async (id: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, id))))[0];

const sipCallId = () => `SCL_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;

function inbound(sw: Pick<SipWorld, "connectionId" | "numberId">, callId = sipCallId(), caller: string | null = newE164()) {
  return {
    dispatch: { kind: "speaknode.sip", phoneNumberId: sw.numberId, connectionId: sw.connectionId },
    participant: { room: `call-${callId}`, participantIdentity: `sip_${callId}`, callId, callStatus: "active", phoneNumber: caller, trunkPhoneNumber: null },
  };
}

const ask = async (body: unknown, token?: string) => runtimeCall("POST", "/sip/sessions", { json: body, ...(token ? { token } : {}) });

describe("POST /runtime/v1/sip/sessions", () => {
  it("creates the call's inbound session on the number's published agent, as LiveKit SIP's, bound to the SIP call id", async () => {
    const sw = await sipWorld();
    const caller = newE164();
    const body = inbound(sw, sipCallId(), caller);
    const res = await ask(body);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ action: "accept", agentId: sw.agentId });
    const row = await sessionRow(String(res.body["sessionId"]));
    expect(row).toMatchObject({ channel: "phone", direction: "inbound", status: "dispatching", agentId: sw.agentId, phoneNumberId: sw.numberId, fromNumber: caller, toNumber: sw.e164, providerCallId: body.participant.callId, mediaDriver: "livekit_sip" });

    // The API shows the session's provider as its connection's.
    const shown = await call("GET", `/v1/sessions/${String(res.body["sessionId"])}`, { token: sw.world.owner.token });
    expect(shown.status, shown.text).toBe(200);
    expect(shown.body["phone"]).toMatchObject({ provider: "livekit_sip", direction: "inbound", providerCallId: body.participant.callId });
  });

  it("answers a retried request for the same call with the same session, never a second one", async () => {
    const sw = await sipWorld();
    const body = inbound(sw);
    const first = await ask(body);
    const again = await ask(body);
    expect(again.body).toEqual(first.body);
    const rows = await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, sw.numberId)));
    expect(rows).toHaveLength(1);
  });

  it("rejects calls a webhook would refuse: a number bound to no agent or with inbound calls off (not busy), one at its limit (busy)", async () => {
    const noAgent = await sipWorld({ agentId: null });
    expect((await ask(inbound(noAgent))).body).toEqual({ action: "reject", reason: "number not bound to an agent", busy: false });
    const off = await sipWorld({ inboundEnabled: false });
    expect((await ask(inbound(off))).body).toEqual({ action: "reject", reason: "inbound calls disabled on this number", busy: false });
    const full = await sipWorld({ maxConcurrentCalls: 1 });
    expect((await ask(inbound(full))).body).toMatchObject({ action: "accept" });
    const busy = await ask(inbound(full));
    expect(busy.body).toMatchObject({ action: "reject", busy: true });
    expect(String(busy.body["reason"])).toContain("1 concurrent calls");
  });

  it("rejects metadata naming a number of another connection or space, and a call id that is another connection's call", async () => {
    const ours = await sipWorld();
    const theirs = await sipWorld();
    // A rule's metadata pairing our number with their connection (or the reverse) finds nothing.
    expect((await ask(inbound({ connectionId: theirs.connectionId, numberId: ours.numberId }))).body).toEqual({ action: "reject", reason: "number not imported on this connection", busy: false });
    const callId = sipCallId();
    const taken = await ask(inbound(theirs, callId));
    expect(taken.body).toMatchObject({ action: "accept" });
    const stolen = await ask(inbound(ours, callId));
    expect(stolen.body).toEqual({ action: "reject", reason: "the SIP call id belongs to a call of another connection", busy: false });
    const rows = await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, ours.numberId)));
    expect(rows).toHaveLength(0);
  });

  it("rejects a call whose session has already ended", async () => {
    const sw = await sipWorld();
    const body = inbound(sw);
    const first = await ask(body);
    await withDb((db) => db.update(sessions).set({ status: "failed", endedAt: new Date() }).where(eq(sessions.id, String(first.body["sessionId"]))));
    expect((await ask(body)).body).toEqual({ action: "reject", reason: "the call's session is already failed", busy: false });
  });

  it("takes only the runtime's own service token: none 401, a session's 403, a malformed body 400", async () => {
    const sw = await sipWorld();
    expectProblem(await runtimeCall("POST", "/sip/sessions", { json: inbound(sw), token: null }), 401, "unauthorized");
    expectProblem(await ask(inbound(sw), await serviceToken({ sessionId: "ses_01m91pwj43fvpp1pwa2ns3v8j7" })), 403, "forbidden");
    expectProblem(await ask({ ...inbound(sw), dispatch: { kind: "other", phoneNumberId: sw.numberId, connectionId: sw.connectionId } }), 400, "validation_failed");
    const rows = await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, sw.numberId)));
    expect(rows).toHaveLength(0);
  });
});

const participant = (callId: string, status: string | null = "active") => ({ room: "call-abc", participantIdentity: "sip_+15550100", callId, callStatus: status, phoneNumber: null, trunkPhoneNumber: null });

describe("POST /runtime/v1/sessions/{sessionId}/sip", () => {
  it("records the SIP call id, status and where the call is controlled; the same facts again change nothing", async () => {
    const sw = await sipWorld();
    const callId = sipCallId();
    const accepted = await ask(inbound(sw, callId));
    const sessionId = String(accepted.body["sessionId"]);
    await withDb((db) => db.update(sessions).set({ providerStatus: "ringing" }).where(eq(sessions.id, sessionId)));
    // The session's own token is enough.
    const token = await serviceToken({ sessionId });
    const first = await runtimeCall("POST", `/sessions/${sessionId}/sip`, { json: participant(callId), token });
    expect(first.status, first.text).toBe(204);
    const again = await runtimeCall("POST", `/sessions/${sessionId}/sip`, { json: participant(callId), token });
    expect(again.status).toBe(204);
    const row = await sessionRow(sessionId);
    expect(row).toMatchObject({ providerCallId: callId, providerStatus: "active", providerControlUrl: "livekit://call-abc/sip_%2B15550100" });
  });

  it("keeps a Twilio call's CallSid and status, adding only where its SIP leg is", async () => {
    const pw = await phoneWorld();
    const callSid = newCallSid();
    const answered = await postTwilio(pw, "voice", voiceParams(pw, callSid));
    const sessionId = /name="sessionId" value="([^"]+)"/.exec(answered.text)?.[1] ?? "";
    await withDb((db) => db.update(sessions).set({ providerStatus: "in-progress" }).where(eq(sessions.id, sessionId)));
    const res = await runtimeCall("POST", `/sessions/${sessionId}/sip`, { json: participant(sipCallId()) });
    expect(res.status, res.text).toBe(204);
    expect(await sessionRow(sessionId)).toMatchObject({ providerCallId: callSid, providerStatus: "in-progress", providerControlUrl: "livekit://call-abc/sip_%2B15550100" });
  });

  it("answers 409 for a session that is not a phone call or a call id that is another session's, 403 for another session's token", async () => {
    const web = await dispatched();
    expectProblem(await runtimeCall("POST", `/sessions/${web.sessionId}/sip`, { json: participant(sipCallId()) }), 409, "conflict");
    const sw = await sipWorld();
    const a = await ask(inbound(sw));
    const second = await addNumber({ world: sw.world, connectionId: sw.connectionId }, { agentId: sw.agentId });
    const b = await ask(inbound({ connectionId: sw.connectionId, numberId: second.numberId }));
    const aRow = await sessionRow(String(a.body["sessionId"]));
    // b has its own call id; naming a's is refused.
    await withDb((db) => db.update(sessions).set({ providerCallId: null }).where(eq(sessions.id, String(b.body["sessionId"]))));
    expectProblem(await runtimeCall("POST", `/sessions/${String(b.body["sessionId"])}/sip`, { json: participant(aRow?.providerCallId ?? "") }), 409, "conflict");
    const foreign = await serviceToken({ sessionId: String(a.body["sessionId"]) });
    expectProblem(await runtimeCall("POST", `/sessions/${String(b.body["sessionId"])}/sip`, { json: participant(sipCallId()), token: foreign }), 403, "forbidden");
  });
});
