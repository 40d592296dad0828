import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { signSessionToken, verifyRuntimeServiceToken } from "@speaknode/tokens";
import { inboundWebhookLog, sessionCallStatuses, sessions } from "@speaknode/db";
import { origin, testEnv, withDb } from "../../test/helpers.ts";
import { postEvent, subscribe } from "../runtime/testing.ts";
import { callbackTime } from "./consumer.ts";
import { telephonyDeadLetterQueueName, telephonyQueueName, type TelephonyMessage } from "./protocol.ts";
import { consumeTelephony, newCallSid, phoneWorld, postTwilio, voiceParams, type PhoneWorld } from "./testing.ts";

/** An inbound call answered by the voice webhook: its session id. */
async function answeredCall(pw: PhoneWorld, callSid = newCallSid()): Promise<{ sessionId: string; callSid: string }> {
  const res = await postTwilio(pw, "voice", voiceParams(pw, callSid));
  const sessionId = /name="sessionId" value="([^"]+)"/.exec(res.text)?.[1];
  if (!sessionId) throw new Error(`no session: ${res.text}`);
  return { sessionId, callSid };
}

/** A signed callback through the edge: the one message it queued. */
async function callback(pw: PhoneWorld, kind: "status" | "amd", params: Record<string, string>, query?: string): Promise<TelephonyMessage> {
  const res = await postTwilio(pw, kind, { AccountSid: pw.accountSid, ApiVersion: "2010-04-01", ...params }, query ? { query } : {});
  expect(res.status).toBe(204);
  expect(res.queue.sent).toHaveLength(1);
  const [message] = res.queue.sent;
  if (!message) throw new Error("nothing queued");
  return message;
}

const statusRows = (sessionId: string) => withDb((db) => db.select().from(sessionCallStatuses).where(eq(sessionCallStatuses.sessionId, sessionId)));
const sessionRow = async (sessionId: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId))))[0];
const logRow = async (id: string) => (await withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.id, id))))[0];

/** A fetch that answers the runtime's control endpoint and Twilio's Calls API, and keeps the requests. */
function recordingFetch(runtimeStatus: number | "unreachable") {
  const requests: { url: string; method: string; headers: Headers; body: string }[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    requests.push({ url: req.url, method: req.method, headers: req.headers, body: await req.text() });
    if (req.url.includes("/answered-by")) {
      if (runtimeStatus === "unreachable") throw new TypeError("fetch failed");
      return new Response(null, { status: runtimeStatus });
    }
    return Response.json({ sid: req.url.split("/Calls/")[1]?.replace(".json", ""), account_sid: "AC", status: "completed", direction: "outbound-api", from: "", to: "" });
  }) as typeof fetch;
  return { requests, fetch: fetchFn };
}

describe("status callbacks through the queue", () => {
  it("are only logged and queued at the edge (204), with the event's identity as dedupe key", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    const message = await callback(pw, "status", { CallSid: callSid, CallStatus: "in-progress", SequenceNumber: "1" });
    expect(message).toMatchObject({ v: 1, kind: "twilio.status" });
    expect(await logRow(message.logId)).toMatchObject({ kind: "status", outcome: "accepted", dedupeKey: `${callSid}:in-progress:1`, processedAt: null, routing: "status queue" });
    expect(await statusRows(sessionId)).toEqual([]);
  });

  it("include an inbound call's voice webhook: queued after the answer, its ringing recorded once in the call's history", async () => {
    const pw = await phoneWorld();
    const callSid = newCallSid();
    const res = await postTwilio(pw, "voice", { ...voiceParams(pw, callSid), Timestamp: "Fri, 04 Dec 2026 23:40:12 +0000" });
    const sessionId = /name="sessionId" value="([^"]+)"/.exec(res.text)?.[1] ?? "";
    expect(res.queue.sent).toHaveLength(1);
    const [message] = res.queue.sent;
    expect(message).toMatchObject({ v: 1, kind: "twilio.voice" });
    expect(await logRow(message?.logId ?? "")).toMatchObject({ kind: "voice", outcome: "processed", sessionId });
    await consumeTelephony(telephonyQueueName, [message, message]);
    const rows = await statusRows(sessionId);
    expect(rows.map((r) => r.status)).toEqual(["ringing"]);
    expect(rows[0]?.at.toISOString()).toBe("2026-12-04T23:40:12.000Z");
    // The row keeps what the edge answered.
    expect((await logRow(message?.logId ?? ""))?.outcome).toBe("processed");
    // A call answered without a session (an unknown number) queues nothing.
    const refused = await postTwilio(pw, "voice", { ...voiceParams(pw, newCallSid()), To: "+14155550000", Called: "+14155550000" });
    expect(refused.queue.sent).toEqual([]);
  });

  it("are refused with 403 when forged, logged as refused and queued nowhere", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    for (const kind of ["status", "amd"] as const) {
      const res = await postTwilio(pw, kind, { AccountSid: pw.accountSid, CallSid: callSid, CallStatus: "busy", AnsweredBy: "machine_start" }, { signWith: "f".repeat(32) });
      expect(res.status).toBe(403);
      expect(res.queue.sent).toEqual([]);
      const [row] = await withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.requestId, res.headers.get("x-request-id") ?? "")));
      expect(row).toMatchObject({ kind, outcome: "refused", signatureValid: false, dedupeKey: null });
    }
    expect(await statusRows(sessionId)).toEqual([]);
  });

  it("record each status once with Twilio's time and facts, and a replay changes nothing", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    const params = { CallSid: callSid, CallStatus: "ringing", SequenceNumber: "0", Timestamp: "Fri, 04 Dec 2026 23:40:12 +0000" };
    const first = await callback(pw, "status", params);
    const replay = await callback(pw, "status", params);
    const result = await consumeTelephony(telephonyQueueName, [first, replay]);
    expect(result.explicitAcks).toHaveLength(2);
    const rows = await statusRows(sessionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "ringing", eventKey: "ringing:0" });
    expect(rows[0]?.at.toISOString()).toBe(callbackTime(params.Timestamp).toISOString());
    expect(await sessionRow(sessionId)).toMatchObject({ providerStatus: "ringing", status: "dispatching", hangupCause: null });
    expect(await logRow(first.logId)).toMatchObject({ outcome: "processed", sessionId, routing: `status queue → session ${sessionId}` });
    expect((await logRow(replay.logId))?.outcome).toBe("ignored");

    // A redelivered message finds its row processed and is acked without acting.
    const again = await consumeTelephony(telephonyQueueName, [first]);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await statusRows(sessionId)).toHaveLength(1);
  });

  it("fail a session the agent never joined with the reason of a busy or unanswered call, once", async () => {
    for (const [status, reason] of [["busy", "busy"], ["no-answer", "no answer"]] as const) {
      const pw = await phoneWorld();
      const { sessionId, callSid } = await answeredCall(pw);
      const params = { CallSid: callSid, CallStatus: status, SequenceNumber: "2", SipResponseCode: "486" };
      const first = await callback(pw, "status", params);
      const replay = await callback(pw, "status", params);
      await consumeTelephony(telephonyQueueName, [first]);
      await consumeTelephony(telephonyQueueName, [replay]);
      const row = await sessionRow(sessionId);
      expect(row).toMatchObject({ status: "failed", failureReason: reason, providerStatus: status, hangupCause: `${status} (sip 486)` });
      expect(await statusRows(sessionId)).toHaveLength(1);
      expect((await logRow(first.logId))?.detail).toBe(`${status}; session failed: ${reason}`);
      expect((await logRow(replay.logId))?.detail).toBe(`duplicate callback (${status})`);
    }
  });

  it("reach a live session's subscribers as phone.status, and a call completing while active leaves the session to the runtime", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    expect((await postEvent(sessionId, "ready-1", { type: "agent.ready" })).status).toBe(200);
    const token = await signSessionToken(testEnv.RUNTIME_TOKEN_SECRET, { sessionId, agentId: pw.agentId, scope: "events", ttlS: 60, role: "viewer" });
    const viewer = await subscribe(`${origin}/live/sessions/${sessionId}?token=${encodeURIComponent(token)}`);
    expect(await viewer.next()).toMatchObject({ type: "welcome", status: "active" });
    await consumeTelephony(telephonyQueueName, [await callback(pw, "status", { CallSid: callSid, CallStatus: "in-progress", SequenceNumber: "1" })]);
    expect(await viewer.next()).toMatchObject({ type: "phone.status", status: "in-progress" });
    await consumeTelephony(telephonyQueueName, [await callback(pw, "status", { CallSid: callSid, CallStatus: "completed", SequenceNumber: "2", CallDuration: "31" })]);
    expect(await viewer.next()).toMatchObject({ type: "phone.status", status: "completed" });
    viewer.ws.close();
    expect(await sessionRow(sessionId)).toMatchObject({ status: "active", providerStatus: "completed", hangupCause: "completed" });

    // A late non-final status does not replace the final one.
    await consumeTelephony(telephonyQueueName, [await callback(pw, "status", { CallSid: callSid, CallStatus: "ringing", SequenceNumber: "0" })]);
    expect((await sessionRow(sessionId))?.providerStatus).toBe("completed");
    expect((await statusRows(sessionId)).map((r) => r.status).sort()).toEqual(["completed", "in-progress", "ringing"]);
  });

  it("fail a session whose call completed before its stream connected", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    await consumeTelephony(telephonyQueueName, [await callback(pw, "status", { CallSid: callSid, CallStatus: "completed", SequenceNumber: "3", CallDuration: "4" })]);
    expect(await sessionRow(sessionId)).toMatchObject({ status: "failed", failureReason: "call ended before the agent joined", hangupCause: "completed" });
    expect((await statusRows(sessionId))[0]?.detail).toEqual({ callDurationS: 4 });
  });

  it("retry a callback whose call has no session yet, and ignore one for a call answered without a session", async () => {
    const pw = await phoneWorld();
    const unknown = await callback(pw, "status", { CallSid: newCallSid(), CallStatus: "ringing", SequenceNumber: "0" });
    const retried = await consumeTelephony(telephonyQueueName, [unknown]);
    expect(retried.retryMessages).toHaveLength(1);
    expect(retried.explicitAcks).toEqual([]);
    expect((await logRow(unknown.logId))?.outcome).toBe("accepted");

    const refusedCall = newCallSid();
    await postTwilio(pw, "voice", { ...voiceParams(pw, refusedCall), To: "+15550000001", Called: "+15550000001" });
    const late = await callback(pw, "status", { CallSid: refusedCall, CallStatus: "completed", SequenceNumber: "1" });
    const ignored = await consumeTelephony(telephonyQueueName, [late]);
    expect(ignored.explicitAcks).toHaveLength(1);
    expect(await logRow(late.logId)).toMatchObject({ outcome: "ignored", detail: "the call was answered without a session" });
  });

  it("bind an outbound call's session that never learnt its CallSid through the session named in the signed URL", async () => {
    const pw = await phoneWorld();
    const { sessionId } = await answeredCall(pw);
    // As if Calls.json had answered but its answer was lost: an outbound session without a CallSid.
    await withDb((db) => db.update(sessions).set({ direction: "outbound", providerCallId: null }).where(eq(sessions.id, sessionId)));
    const callSid = newCallSid();
    const busy = await callback(pw, "status", { CallSid: callSid, CallStatus: "busy", SequenceNumber: "1" }, `sessionId=${sessionId}`);
    await consumeTelephony(telephonyQueueName, [busy]);
    expect(await sessionRow(sessionId)).toMatchObject({ providerCallId: callSid, status: "failed", failureReason: "busy", providerStatus: "busy" });

    // A session that knows its call, or one of another space, is never rebound by a callback naming it.
    const other = await phoneWorld();
    const foreign = await answeredCall(other);
    await withDb((db) => db.update(sessions).set({ direction: "outbound", providerCallId: null }).where(eq(sessions.id, foreign.sessionId)));
    for (const named of [sessionId, foreign.sessionId]) {
      const stray = await callback(pw, "status", { CallSid: newCallSid(), CallStatus: "ringing", SequenceNumber: "0" }, `sessionId=${named}`);
      expect((await consumeTelephony(telephonyQueueName, [stray])).retryMessages).toHaveLength(1);
    }
    expect(await sessionRow(sessionId)).toMatchObject({ providerCallId: callSid });
    expect(await sessionRow(foreign.sessionId)).toMatchObject({ providerCallId: null });
  });

  it("mark a callback failed when it reaches the dead-letter queue", async () => {
    const pw = await phoneWorld();
    const message = await callback(pw, "status", { CallSid: newCallSid(), CallStatus: "ringing", SequenceNumber: "0" });
    const result = await consumeTelephony(telephonyDeadLetterQueueName, [message, { v: 9, nonsense: true }]);
    expect(result.explicitAcks).toHaveLength(2);
    const row = await logRow(message.logId);
    expect(row?.outcome).toBe("failed");
    expect(row?.detail).toContain("not processed after 6 deliveries");
  });
});

describe("answering-machine callbacks through the queue", () => {
  it("hand the verdict to the runtime with a service token for the session, recorded once", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    const http = recordingFetch(204);
    const params = { CallSid: callSid, AnsweredBy: "machine_end_beep" };
    await consumeTelephony(telephonyQueueName, [await callback(pw, "amd", params)], { fetch: http.fetch });
    expect(http.requests).toHaveLength(1);
    const [req] = http.requests;
    expect(req?.url).toBe(`http://127.0.0.1:8790/v1/twilio/sessions/${sessionId}/answered-by`);
    expect(req?.method).toBe("POST");
    expect(JSON.parse(req?.body ?? "")).toEqual({ answeredBy: "machine_end_beep" });
    const claims = await verifyRuntimeServiceToken(testEnv.RUNTIME_TOKEN_SECRET, req?.headers.get("authorization")?.replace(/^Bearer /, "") ?? "");
    expect(claims).toMatchObject({ subject: "worker", sessionId });
    expect((await statusRows(sessionId)).map((r) => r.status)).toEqual(["amd:machine_end_beep"]);

    // Twilio sending it again reaches the runtime no second time.
    await consumeTelephony(telephonyQueueName, [await callback(pw, "amd", params)], { fetch: http.fetch });
    expect(http.requests).toHaveLength(1);
    expect(await statusRows(sessionId)).toHaveLength(1);
  });

  it("end the call through Twilio when no runtime holds it, the verdict is a machine and the agent hangs up on machines", async () => {
    const pw = await phoneWorld();
    for (const runtime of [404, "unreachable"] as const) {
      const { callSid } = await answeredCall(pw);
      const http = recordingFetch(runtime);
      const message = await callback(pw, "amd", { CallSid: callSid, AnsweredBy: "machine_start" });
      await consumeTelephony(telephonyQueueName, [message], { fetch: http.fetch }, { TWILIO_API_BASE_URL: "https://twilio.example.test" });
      const hangup = http.requests.find((r) => r.url.includes("/Calls/"));
      expect(hangup?.url).toBe(`https://twilio.example.test/2010-04-01/Accounts/${pw.accountSid}/Calls/${callSid}.json`);
      expect(new URLSearchParams(hangup?.body).get("Status")).toBe("completed");
      expect((await logRow(message.logId))?.detail).toContain("call ended (voicemail policy hang_up)");
    }
  });

  it("leave a human's call alone when no runtime holds it", async () => {
    const pw = await phoneWorld();
    const { callSid } = await answeredCall(pw);
    const http = recordingFetch(404);
    const message = await callback(pw, "amd", { CallSid: callSid, AnsweredBy: "human" });
    await consumeTelephony(telephonyQueueName, [message], { fetch: http.fetch });
    expect(http.requests.filter((r) => r.url.includes("/Calls/"))).toEqual([]);
    expect(await logRow(message.logId)).toMatchObject({ outcome: "processed" });
  });
});

describe("callbackTime", () => {
  it("reads Twilio's RFC 2822 Timestamp and falls back to now for anything else", () => {
    const now = new Date("2026-12-04T23:50:00Z");
    expect(callbackTime("Fri, 04 Dec 2026 23:40:12 +0000", now).toISOString()).toBe("2026-12-04T23:40:12.000Z");
    expect(callbackTime(undefined, now)).toBe(now);
    expect(callbackTime("yesterday", now)).toBe(now);
    expect(callbackTime("Fri, 04 Dec 1998 23:40:12 +0000", now)).toBe(now);
  });
});

