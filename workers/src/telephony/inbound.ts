// An inbound call's answer (Twilio's voice webhook, already verified and logged): the called
// number and its agent in one indexed lookup (inbound-session.ts), then at once either the TwiML
// that brings the call to the agent for a new session (Media Streams, or with LiveKit a SIP dial
// into its room), a polite refusal, or busy. A replayed webhook for a call that already has its session
// creates nothing: it gets the same stream (with a fresh token) while the session still waits for
// it, and a hang-up otherwise.
import type { Context } from "hono";
import { sipSessionHeader, sipTokenHeader } from "@speaknode/contracts";
import { parsePhoneNumber } from "@speaknode/phone";
import { signSessionToken } from "@speaknode/tokens";
import type { AppEnv } from "../context.ts";
import { log } from "../lib/log.ts";
import type { ConnectionRow } from "./connections.ts";
import { admitInboundCall, existingInboundSession, resolveInboundNumber } from "./inbound-session.ts";
import { twilioSipAuth } from "./livekit-sip/sip-auth.ts";
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

/** A Twilio CallSid (a SIP call id of LiveKit, SCL_…, is not one). */
export function isTwilioCallSid(id: string | null): id is string {
  return id !== null && callSidShape.test(id);
}

const refuse = (text: string, detail: string): VoiceAnswer => ({ twiml: twiml({ verb: "say", text }, { verb: "hangup" }), sessionId: null, detail });
const busy = (detail: string): VoiceAnswer => ({ twiml: twiml({ verb: "reject", reason: "busy" }), sessionId: null, detail });

async function streamAnswer(c: Context<AppEnv>, session: { sessionId: string; agentId: string }, callSid: string, detail: string): Promise<VoiceAnswer> {
  const config = c.get("config");
  const token = await signSessionToken(config.runtime.tokenSecret, { sessionId: session.sessionId, agentId: session.agentId, scope: "media", role: "phone", callId: callSid, ttlS: mediaTokenTtlS });
  const body = twiml({ verb: "connectStream", stream: { url: config.telephony.mediaStreamUrl, parameters: { sessionId: session.sessionId, token } } });
  return { twiml: body, sessionId: session.sessionId, detail };
}

/**
 * With LiveKit as the media driver and its SIP host configured, the call is bridged into LiveKit
 * over SIP: `<Dial><Sip>` to the called number at LiveKit's SIP host, authenticated with the digest
 * credentials of the connection's inbound trunk, carrying the session and a single-use media token
 * (role "sip", bound to the CallSid) in headers the trunk maps to participant attributes. The
 * runtime's agent then finds its session on the SIP participant. Otherwise (or while the trunk has
 * no credentials yet) the call's audio comes over Media Streams.
 */
async function mediaAnswer(c: Context<AppEnv>, connection: ConnectionRow, session: { sessionId: string; agentId: string }, call: { callSid: string; to: string }, detail: string): Promise<VoiceAnswer> {
  const config = c.get("config");
  const host = config.telephony.livekitSipHost;
  if (!config.runtime.livekit || !host) return streamAnswer(c, session, call.callSid, detail);
  const auth = await twilioSipAuth(config, connection);
  if (!auth) {
    log.warn("telephony: the connection's LiveKit SIP trunk has no credentials yet; answering over Media Streams", { requestId: c.get("requestId"), connectionId: connection.id, sessionId: session.sessionId });
    return streamAnswer(c, session, call.callSid, `${detail} (SIP trunk not provisioned: media stream)`);
  }
  const token = await signSessionToken(config.runtime.tokenSecret, { sessionId: session.sessionId, agentId: session.agentId, scope: "media", role: "sip", callId: call.callSid, ttlS: mediaTokenTtlS });
  const body = twiml({
    verb: "dialSip",
    sip: {
      uri: `sip:${call.to}@${host};transport=tcp`,
      headers: { [sipSessionHeader]: session.sessionId, [sipTokenHeader]: token },
      username: auth.username,
      password: auth.password,
      timeLimitS: Math.floor(config.sessions.maxDurationMs / 1000),
    },
  });
  return { twiml: body, sessionId: session.sessionId, detail: `${detail} (SIP to LiveKit)` };
}

/**
 * The answer for a call that already has its session (a replayed or retried webhook). Only a
 * session on one of this connection's numbers counts: another account signing a webhook with
 * someone else's CallSid must not get a media token for their call.
 */
async function replayAnswer(c: Context<AppEnv>, connection: ConnectionRow, callSid: string): Promise<VoiceAnswer | null> {
  const existing = await existingInboundSession(c, connection.id, callSid);
  if (!existing) return null;
  if (existing.status === "dispatching" && existing.agentId) return mediaAnswer(c, connection, { sessionId: existing.id, agentId: existing.agentId }, { callSid, to: existing.to }, "replayed webhook: same media");
  return { twiml: twiml({ verb: "hangup" }), sessionId: existing.id, detail: `replayed webhook: session already ${existing.status}` };
}

export async function answerInboundCall(c: Context<AppEnv>, connection: ConnectionRow, params: Record<string, string>): Promise<VoiceAnswer> {
  const callSid = params["CallSid"] ?? "";
  if (!callSidShape.test(callSid)) return { twiml: twiml({ verb: "hangup" }), sessionId: null, detail: "no CallSid" };
  const to = parsePhoneNumber(params["To"] ?? "");
  const resolved = to.ok ? await resolveInboundNumber(c, { connectionId: connection.id, e164: to.e164 }, callSid) : undefined;
  // A replay is answered as the first delivery was, even if the number changed since.
  if (!resolved || resolved.answered) {
    const replay = await replayAnswer(c, connection, callSid);
    if (replay) return replay;
    if (resolved?.answered) return { twiml: twiml({ verb: "hangup" }), sessionId: null, detail: "the CallSid belongs to a call of another connection" };
  }
  if (!to.ok) return refuse(notInServiceText, "called number is not a phone number");
  if (!resolved) return refuse(notInServiceText, "number not imported on this connection");

  const from = params["From"] ?? "";
  const fromE164 = parsePhoneNumber(from);
  const verdict = await admitInboundCall(c, resolved, { from, to: to.e164, providerCallId: callSid }, fromE164.ok ? fromE164.e164 : null);
  switch (verdict.kind) {
    case "session":
      return mediaAnswer(c, connection, { sessionId: verdict.sessionId, agentId: verdict.agentId }, { callSid, to: to.e164 }, "session created");
    case "refused":
      return refuse(verdict.say === "unavailable" ? unavailableText : notInServiceText, verdict.detail);
    case "busy":
      return { ...busy(verdict.detail), sessionId: verdict.sessionId };
    case "duplicate": {
      const again = await replayAnswer(c, connection, callSid);
      if (again) return again;
      throw new Error("a concurrent delivery created the call's session, which is not found");
    }
  }
}
