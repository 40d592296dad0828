// The call flows through LiveKit SIP (Worker side): Twilio's inbound calls bridged into LiveKit with
// <Dial><Sip>, outbound calls from a LiveKit SIP number (CreateSIPParticipant, and busy / no answer /
// failed ending the session exactly as Twilio's status callbacks do, so campaigns read the same
// outcomes), and transfer and hang-up of a SIP call in its room. LiveKit is faked behind fetch.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { phoneNumbers, sessions, telephonyConnections } from "@speaknode/db";
import { verifySessionToken } from "@speaknode/tokens";
import { expectProblem, testEnv, withDb } from "../../test/helpers.ts";
import { classifyOutcome, loadOutcomeFacts } from "../campaigns/outcome.ts";
import { postEvent, serviceToken } from "../runtime/testing.ts";
import { newSipAuth } from "./livekit-sip/sip-auth.ts";
import { callWithEnv, fakeLiveKit, liveKitEnv, liveKitSipHost, sipWorld, type SipWorld } from "./sip-testing.ts";
import { newCallSid, phoneWorld, postTwilio, voiceParams } from "./testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const sessionRow = async (id: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, id))))[0];
const destination = "+14155550100";

describe("Twilio inbound calls with LiveKit SIP", () => {
  it("are bridged into LiveKit with <Dial><Sip>: the trunk's digest credentials, the session and a single-use SIP token bound to the CallSid", async () => {
    const pw = await phoneWorld();
    const { digest, sealed } = await newSipAuth(testEnv.SECRETS_KEY, pw.connectionId);
    await withDb((db) => db.update(telephonyConnections).set({ providerState: { sipAuth: sealed, inboundTrunkId: "ST_in" } }).where(eq(telephonyConnections.id, pw.connectionId)));
    const callSid = newCallSid();
    const res = await postTwilio(pw, "voice", voiceParams(pw, callSid), { env: liveKitEnv });
    expect(res.status).toBe(200);
    const sip = /<Dial answerOnBridge="true" timeLimit="(\d+)"><Sip username="([^"]+)" password="([^"]+)">([^<]+)<\/Sip><\/Dial>/.exec(res.text);
    if (!sip) throw new Error(`no <Dial><Sip> in ${res.text}`);
    expect({ username: sip[2], password: sip[3] }).toEqual(digest);
    const uri = (sip[4] ?? "").replaceAll("&amp;", "&");
    expect(uri.startsWith(`sip:${pw.e164}@${liveKitSipHost};transport=tcp?X-Speaknode-Session=`)).toBe(true);
    const headers = new URLSearchParams(uri.slice(uri.indexOf("?") + 1));
    const sessionId = headers.get("X-Speaknode-Session") ?? "";
    const claims = await verifySessionToken(testEnv.RUNTIME_TOKEN_SECRET, headers.get("X-Speaknode-Token") ?? "", "media");
    expect(claims).toMatchObject({ sessionId, agentId: pw.agentId, role: "sip", callId: callSid });
    expect(await sessionRow(sessionId)).toMatchObject({ providerCallId: callSid, direction: "inbound", mediaDriver: "twilio", status: "dispatching" });
    expect(res.text).not.toContain("<Stream");

    // A replayed webhook gets the same session again.
    const again = await postTwilio(pw, "voice", voiceParams(pw, callSid), { env: liveKitEnv });
    expect(again.text).toContain(`X-Speaknode-Session=${sessionId}&amp;`);
  });

  it("keep Media Streams while the connection's trunk has no credentials yet, and without LiveKit", async () => {
    const pw = await phoneWorld();
    const unsynced = await postTwilio(pw, "voice", voiceParams(pw, newCallSid()), { env: liveKitEnv });
    expect(unsynced.text).toContain("<Connect><Stream");
    const local = await postTwilio(pw, "voice", voiceParams(pw, newCallSid()));
    expect(local.text).toContain("<Connect><Stream");
    expect(local.text).not.toContain("<Sip");
  });
});

async function usWorld(opts: Parameters<typeof sipWorld>[0] = {}): Promise<SipWorld> {
  const sw = await sipWorld({ maxConcurrentCalls: 50, ...opts });
  await withDb((db) => db.update(phoneNumbers).set({ allowedCountries: ["US"] }).where(eq(phoneNumbers.id, sw.numberId)));
  return sw;
}

const placeCall = (sw: SipWorld, envValues = liveKitEnv) =>
  callWithEnv("POST", `/v1/agents/${sw.agentId}/calls`, { token: sw.world.owner.token, json: { to: destination, fromNumberId: sw.numberId, variables: {} } }, envValues);

describe("outbound calls from a LiveKit SIP number", () => {
  it("open the session's room with the agent, then dial on the connection's outbound trunk until answered", async () => {
    const sw = await usWorld();
    const lk = fakeLiveKit([sw.outboundTrunkId]);
    const res = await placeCall(sw);
    expect(res.status, res.text).toBe(201);
    const sessionId = String(res.body["sessionId"]);
    expect(lk.rooms.map((r) => r.method)).toEqual(["RoomService/CreateRoom", "AgentDispatchService/CreateDispatch"]);
    expect(lk.rooms[0]?.body["name"]).toBe(`sess-${sessionId}`);
    const dial = lk.sip.requests.find((r) => r.method === "CreateSIPParticipant");
    expect(dial?.grants.sip?.call).toBe(true);
    expect(dial?.body).toMatchObject({
      sipTrunkId: sw.outboundTrunkId,
      sipCallTo: destination,
      sipNumber: sw.e164,
      roomName: `sess-${sessionId}`,
      participantIdentity: `sip-${sessionId}`,
      participantAttributes: { "speaknode.sessionId": sessionId },
      ringingTimeout: "30s",
      waitUntilAnswered: true,
    });
    const callId = lk.sip.participants[0]?.sipCallId;
    expect(res.body).toMatchObject({ sessionId, status: "dispatching", providerCallId: callId });
    expect(await sessionRow(sessionId)).toMatchObject({ providerCallId: callId, providerStatus: "active", providerControlUrl: `livekit://sess-${sessionId}/sip-${sessionId}`, mediaDriver: "livekit_sip", direction: "outbound" });
  });

  it("end a busy, unanswered or failed dial as Twilio's callbacks do: the session fails with the same reason and campaigns read the same outcome", async () => {
    const cases = [
      { code: 486, status: "Busy Here", reason: "busy", providerStatus: "busy", outcome: "busy" },
      { code: 480, status: "Temporarily Unavailable", reason: "no answer", providerStatus: "no-answer", outcome: "no_answer" },
      { code: 503, status: "Service Unavailable", reason: "call failed", providerStatus: "failed", outcome: "failed" },
    ];
    for (const c of cases) {
      const sw = await usWorld();
      const lk = fakeLiveKit([sw.outboundTrunkId]);
      lk.sip.dialOutcomes.set(destination, { code: c.code, status: c.status });
      const res = await placeCall(sw);
      expect(res.status, res.text).toBe(201);
      const sessionId = String(res.body["sessionId"]);
      expect(await sessionRow(sessionId)).toMatchObject({ status: "failed", failureReason: c.reason, providerStatus: c.providerStatus, hangupCause: `${c.providerStatus} (sip ${c.code})`, providerCallId: null });
      // The agent waiting in the room is let go.
      expect(lk.rooms.at(-1)).toEqual({ method: "RoomService/DeleteRoom", body: { room: `sess-${sessionId}` } });
      const facts = await withDb((db) => loadOutcomeFacts(db, [sessionId]));
      const found = facts.get(sessionId);
      expect(found && classifyOutcome(found)?.outcome).toBe(c.outcome);
    }
  });

  it("answer LiveKit's refusals as problems and fail the session: refused key 502, outage 503, trunk not provisioned 409", async () => {
    const refused = await usWorld();
    const lk = fakeLiveKit([refused.outboundTrunkId]);
    lk.sip.failNext("CreateSIPParticipant", { status: 401, code: "unauthenticated", msg: "invalid token" });
    expectProblem(await placeCall(refused), 502, "upstream_rejected");
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, refused.numberId)));
    expect(row).toMatchObject({ status: "failed", failureReason: "LiveKit refused the API key" });

    lk.sip.failNext("CreateSIPParticipant", { status: 503, code: "unavailable", msg: "down" });
    const outage = await placeCall(refused);
    expectProblem(outage, 503, "upstream_unavailable");
    expect(outage.headers.get("retry-after")).toBe("5");

    const unprovisioned = await usWorld({ provisioned: false });
    fakeLiveKit();
    expectProblem(await placeCall(unprovisioned), 409, "conflict");
    const [failed] = await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, unprovisioned.numberId)));
    expect(failed?.status).toBe("failed");
  });

  it("are refused before any session without the LiveKit media driver", async () => {
    const sw = await usWorld();
    const res = await placeCall(sw, { ...liveKitEnv, MEDIA_DRIVER: "local" });
    expectProblem(res, 409, "conflict");
    expect(String(res.body["detail"])).toContain("MEDIA_DRIVER=livekit");
    expect(await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, sw.numberId)))).toHaveLength(0);
  });
});

const transferAgent = { tools: [{ type: "system", name: "transfer_to_number", destinations: [{ name: "front desk", number: "+14155550177", when: "anything" }] }] };

/** A placed LiveKit SIP call whose agent has joined. */
async function liveSipCall(): Promise<{ sw: SipWorld; sessionId: string; lk: ReturnType<typeof fakeLiveKit> }> {
  const sw = await usWorld({ agent: transferAgent });
  const lk = fakeLiveKit([sw.outboundTrunkId]);
  const res = await placeCall(sw);
  if (res.status !== 201) throw new Error(`call not placed: ${res.text}`);
  const sessionId = String(res.body["sessionId"]);
  expect((await postEvent(sessionId, "ready", { type: "agent.ready" })).status).toBe(200);
  lk.rooms.length = 0;
  return { sw, sessionId, lk };
}

describe("transfer and hang-up of a LiveKit SIP call", () => {
  it("transfers with a SIP REFER to the destination's number (TransferSIPParticipant in the call's room)", async () => {
    const { sessionId, lk } = await liveSipCall();
    const res = await callWithEnv("POST", `/runtime/v1/sessions/${sessionId}/phone/transfer`, { token: await serviceToken({ sessionId }), json: { destination: "front desk" } });
    expect(res.status, res.text).toBe(200);
    const transfer = lk.sip.requests.find((r) => r.method === "TransferSIPParticipant");
    expect(transfer?.body).toMatchObject({ roomName: `sess-${sessionId}`, participantIdentity: `sip-${sessionId}`, transferTo: "tel:+14155550177" });
    expect(lk.sip.participants[0]?.transfers).toEqual(["tel:+14155550177"]);
  });

  it("answers a failed transfer as a problem: the destination refusing 502, the call gone 409", async () => {
    const { sessionId, lk } = await liveSipCall();
    const token = await serviceToken({ sessionId });
    lk.sip.failNext("TransferSIPParticipant", { status: 503, code: "unavailable", msg: "refer failed", meta: { sip_status_code: "603", sip_status: "Decline" } });
    expectProblem(await callWithEnv("POST", `/runtime/v1/sessions/${sessionId}/phone/transfer`, { token, json: { destination: "front desk" } }), 502, "upstream_rejected");
    lk.sip.failNext("TransferSIPParticipant", { status: 404, code: "not_found", msg: "participant not found" });
    expectProblem(await callWithEnv("POST", `/runtime/v1/sessions/${sessionId}/phone/transfer`, { token, json: { destination: "front desk" } }), 409, "conflict");
  });

  it("hangs up an answered call by removing its SIP participant (202 ending), and a ringing one by deleting its room (200 failed)", async () => {
    const { sw, sessionId, lk } = await liveSipCall();
    const res = await callWithEnv("POST", `/v1/sessions/${sessionId}/end`, { token: sw.world.owner.token });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ sessionId, status: "ending" });
    expect(lk.rooms).toEqual([{ method: "RoomService/RemoveParticipant", body: { room: `sess-${sessionId}`, identity: `sip-${sessionId}` } }]);

    // A dial still waiting for an answer: the session has its room but no call id yet.
    const ringing = await usWorld();
    lk.sip.outboundTrunks.set(ringing.outboundTrunkId, { sipTrunkId: ringing.outboundTrunkId });
    const placed = await placeCall(ringing);
    expect(placed.status, placed.text).toBe(201);
    const ringingId = String(placed.body["sessionId"]);
    await withDb((db) => db.update(sessions).set({ providerCallId: null, providerStatus: null }).where(eq(sessions.id, ringingId)));
    lk.rooms.length = 0;
    const ended = await callWithEnv("POST", `/v1/sessions/${ringingId}/end`, { token: ringing.world.owner.token });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body).toEqual({ sessionId: ringingId, status: "failed" });
    expect(lk.rooms).toEqual([{ method: "RoomService/DeleteRoom", body: { room: `sess-${ringingId}` } }]);

    // Its agent already in the room (active) while the phone still rings: the room goes too, and the runtime ends the session.
    const early = await usWorld();
    lk.sip.outboundTrunks.set(early.outboundTrunkId, { sipTrunkId: early.outboundTrunkId });
    const earlyId = String((await placeCall(early)).body["sessionId"]);
    expect((await postEvent(earlyId, "ready", { type: "agent.ready" })).status).toBe(200);
    await withDb((db) => db.update(sessions).set({ providerCallId: null, providerStatus: null }).where(eq(sessions.id, earlyId)));
    lk.rooms.length = 0;
    const earlyEnd = await callWithEnv("POST", `/v1/sessions/${earlyId}/end`, { token: early.world.owner.token });
    expect(earlyEnd.status, earlyEnd.text).toBe(202);
    expect(lk.rooms).toEqual([{ method: "RoomService/DeleteRoom", body: { room: `sess-${earlyId}` } }]);
  });

  it("treats a call already gone from LiveKit as hung up, and LiveKit failing as a 503", async () => {
    const gone = await liveSipCall();
    const lkGone = fakeLiveKit([], { status: 404, code: "not_found" });
    expect((await callWithEnv("POST", `/v1/sessions/${gone.sessionId}/end`, { token: gone.sw.world.owner.token })).status).toBe(202);
    expect(lkGone.rooms.map((r) => r.method)).toEqual(["RoomService/RemoveParticipant"]);

    const down = await liveSipCall();
    fakeLiveKit([], { status: 503, code: "unavailable" });
    expectProblem(await callWithEnv("POST", `/v1/sessions/${down.sessionId}/end`, { token: down.sw.world.owner.token }), 503, "upstream_unavailable");
  });
});
