// An inbound call's answer (Twilio's voice webhook, already verified and logged): the called
// number and its agent in one indexed lookup, then at once either the media stream TwiML for a new
// session, a polite refusal, or busy. A replayed webhook for a call that already has its session
// creates nothing: it gets the same stream (with a fresh token) while the session still waits for
// it, and a hang-up otherwise.
import type { Context } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { agents, agentVersions, phoneNumbers, sessions, spaces } from "@speaknode/db";
import { parsePhoneNumber } from "@speaknode/phone";
import { signSessionToken } from "@speaknode/tokens";
import { toStorable } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { log } from "../lib/log.ts";
import { createDispatchingSession, sessionDepsOf } from "../sessions/dispatch.ts";
import { callsAhead, numberLiveCallsSql, spaceLiveCallsSql } from "./call-limits.ts";
import type { ConnectionRow } from "./connections.ts";
import { twiml } from "./twilio/twiml.ts";

export const notInServiceText = "This number is not in service. Please check the number and try again. Goodbye.";
export const unavailableText = "Sorry, we cannot take your call right now. Please try again later. Goodbye.";
/** Single use, bound to the call: Twilio opens the stream within seconds of our answer. */
export const mediaTokenTtlS = 120;

export interface VoiceAnswer {
  twiml: string;
  sessionId: string | null;
  /** What happened, for the webhook log (no personal data). */
  detail: string;
}

const callSidShape = /^CA[0-9a-zA-Z]{32}$/;

const refuse = (text: string, detail: string): VoiceAnswer => ({ twiml: twiml({ verb: "say", text }, { verb: "hangup" }), sessionId: null, detail });
const busy = (detail: string): VoiceAnswer => ({ twiml: twiml({ verb: "reject", reason: "busy" }), sessionId: null, detail });

async function streamAnswer(c: Context<AppEnv>, session: { sessionId: string; agentId: string }, callSid: string, detail: string): Promise<VoiceAnswer> {
  const config = c.get("config");
  const token = await signSessionToken(config.runtime.tokenSecret, { sessionId: session.sessionId, agentId: session.agentId, scope: "media", role: "phone", callId: callSid, ttlS: mediaTokenTtlS });
  const body = twiml({ verb: "connectStream", stream: { url: config.telephony.mediaStreamUrl, parameters: { sessionId: session.sessionId, token } } });
  return { twiml: body, sessionId: session.sessionId, detail };
}

/**
 * The answer for a call that already has its session (a replayed or retried webhook). Only a
 * session on one of this connection's numbers counts: another account signing a webhook with
 * someone else's CallSid must not get a media token for their call.
 */
async function replayAnswer(c: Context<AppEnv>, connectionId: string, callSid: string): Promise<VoiceAnswer | null> {
  const [existing] = await c
    .get("db")
    .select({ id: sessions.id, agentId: sessions.agentId, status: sessions.status })
    .from(sessions)
    .innerJoin(phoneNumbers, and(eq(phoneNumbers.id, sessions.phoneNumberId), eq(phoneNumbers.connectionId, connectionId)))
    .where(eq(sessions.providerCallId, callSid));
  if (!existing) return null;
  if (existing.status === "dispatching" && existing.agentId) return streamAnswer(c, { sessionId: existing.id, agentId: existing.agentId }, callSid, "replayed webhook: same stream");
  return { twiml: twiml({ verb: "hangup" }), sessionId: existing.id, detail: `replayed webhook: session already ${existing.status}` };
}

/**
 * The called number of this connection and its agent (one lookup on connection_id + e164), with
 * in the same statement its live calls and its space's, the space's limit, and whether this call
 * already has a session (sessions_provider_call_uq): one round trip on the common path.
 */
async function resolveNumber(c: Context<AppEnv>, connectionId: string, e164: string, callSid: string) {
  const [row] = await c
    .get("db")
    .select({
      number: phoneNumbers,
      agent: agents,
      liveCalls: numberLiveCallsSql(phoneNumbers.id),
      spaceLiveCalls: spaceLiveCallsSql(phoneNumbers.spaceId),
      spaceMaxCalls: spaces.maxConcurrentCalls,
      answered: sql<boolean>`exists (select 1 from ${sessions} where ${sessions.providerCallId} = ${callSid})`,
      // The published version's snapshot, so the session is created without another round trip.
      snapshot: agentVersions.snapshot,
    })
    .from(phoneNumbers)
    .innerJoin(spaces, eq(spaces.id, phoneNumbers.spaceId))
    .leftJoin(agents, and(eq(agents.id, phoneNumbers.agentId), eq(agents.spaceId, phoneNumbers.spaceId)))
    .leftJoin(agentVersions, and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.publishedVersion)))
    .where(and(eq(phoneNumbers.connectionId, connectionId), eq(phoneNumbers.e164, e164)));
  return row;
}

export async function answerInboundCall(c: Context<AppEnv>, connection: ConnectionRow, params: Record<string, string>): Promise<VoiceAnswer> {
  const callSid = params["CallSid"] ?? "";
  if (!callSidShape.test(callSid)) return { twiml: twiml({ verb: "hangup" }), sessionId: null, detail: "no CallSid" };
  const to = parsePhoneNumber(params["To"] ?? "");
  const resolved = to.ok ? await resolveNumber(c, connection.id, to.e164, callSid) : undefined;
  // A replay is answered as the first delivery was, even if the number changed since.
  if (!resolved || resolved.answered) {
    const replay = await replayAnswer(c, connection.id, callSid);
    if (replay) return replay;
    if (resolved?.answered) return { twiml: twiml({ verb: "hangup" }), sessionId: null, detail: "the CallSid belongs to a call of another connection" };
  }
  if (!to.ok) return refuse(notInServiceText, "called number is not a phone number");
  if (!resolved) return refuse(notInServiceText, "number not imported on this connection");
  const { number, agent } = resolved;
  if (!number.inboundEnabled) return refuse(notInServiceText, "inbound calls disabled on this number");
  if (!agent) return refuse(notInServiceText, "number not bound to an agent");
  if (agent.publishedVersion === null) return refuse(notInServiceText, "agent not published");

  if (resolved.liveCalls >= number.maxConcurrentCalls) return busy(`busy: ${number.maxConcurrentCalls} concurrent calls`);
  if (resolved.spaceLiveCalls >= resolved.spaceMaxCalls) return busy(`busy: the space's ${resolved.spaceMaxCalls} concurrent calls`);

  const from = params["From"] ?? "";
  const fromE164 = parsePhoneNumber(from);
  try {
    const created = await createDispatchingSession(sessionDepsOf(c), {
      agent,
      ...(resolved.snapshot ? { publishedSnapshot: resolved.snapshot } : {}),
      publishedOnly: true,
      variables: {},
      variablesSource: "json",
      language: undefined,
      channel: "phone",
      caller: from ? toStorable(from.slice(0, 200)) : null,
      phone: { direction: "inbound", from: fromE164.ok ? fromE164.e164 : null, to: to.e164, phoneNumberId: number.id, providerCallId: callSid },
    });
    // Calls arriving at the same moment may all have found the last free slot: the sessions
    // created first keep theirs, a later one past a limit fails its own and the call gets busy.
    const ahead = await callsAhead(c.get("db"), number, created.sessionId);
    if (ahead) {
      const failed = await created.room.transition({ to: "failed", reason: ahead.reason });
      if (!failed.ok) log.warn("telephony: the session of a call refused busy could not be failed", { requestId: c.get("requestId"), sessionId: created.sessionId, code: failed.code });
      return { ...busy(`busy: ${ahead.reason}`), sessionId: created.sessionId };
    }
    log.info("telephony: inbound call answered", { requestId: c.get("requestId"), sessionId: created.sessionId, agentId: agent.id, phoneNumberId: number.id, pii: { from, to: to.e164 } });
    return streamAnswer(c, { sessionId: created.sessionId, agentId: agent.id }, callSid, "session created");
  } catch (err) {
    // Two deliveries of one call at once: the second insert hits the unique provider call id.
    if (databaseErrorFields(err)?.constraint === "sessions_provider_call_uq") {
      const again = await replayAnswer(c, connection.id, callSid);
      if (again) return again;
    }
    // The agent cannot run as configured (a required variable a phone call cannot carry…).
    if (err instanceof ApiError && err.status < 500) {
      log.warn("telephony: inbound call refused: the agent cannot run", { requestId: c.get("requestId"), agentId: agent.id, code: err.code });
      return refuse(unavailableText, `agent cannot run: ${err.message}`);
    }
    throw err;
  }
}
