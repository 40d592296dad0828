// Outbound calls (agent → phone): the space's number and its rules (destination countries,
// concurrent calls), the session created through the shared dispatch path, then Twilio's
// `Calls.json` with inline TwiML that connects the answered call to the runtime's Media Streams
// endpoint, status callbacks and asynchronous answering-machine detection. A call Twilio refuses
// fails its session with the reason and becomes a problem the caller can act on.
import type { Context } from "hono";
import { and, count, eq, inArray, lt } from "drizzle-orm";
import type { OutboundCall, OutboundCallBody } from "@speaknode/contracts";
import { phoneNumbers, sessions, type Database } from "@speaknode/db";
import { countryOf, destinationAllowed, parsePhoneNumber } from "@speaknode/phone";
import { signSessionToken } from "@speaknode/tokens";
import type { AppEnv } from "../context.ts";
import type { AgentRow } from "../agents/store.ts";
import { ApiError, notFound } from "../errors.ts";
import { log } from "../lib/log.ts";
import { createDispatchingSession, viewerEventsUrl } from "../sessions/dispatch.ts";
import { createCallRefusal } from "./call-errors.ts";
import { loadConnectionRow, twilioClientFor, twilioWebhookUrls, type ConnectionRow } from "./connections.ts";
import { TwilioApiError, type TwilioCreateCall } from "./twilio/client.ts";
import { twiml } from "./twilio/twiml.ts";

export type PhoneNumberRow = typeof phoneNumbers.$inferSelect;

/** Seconds Twilio lets an outbound call ring before it gives up (no-answer). */
export const ringTimeoutS = 30;
/** Lifetime of the media token in the inline TwiML: ringing plus Twilio's connect time. */
export const outboundMediaTokenTtlS = 120;
/** Retry-After when a number is at its concurrent-call limit: calls last minutes, not seconds. */
const busyRetryAfterS = 30;

/** Statuses in which a session holds one of its number's concurrent calls. */
export const liveStatuses = ["pending", "dispatching", "active"] as const;

/** A phone number of the space, with the connection that places its calls. */
export async function loadSpaceNumber(db: Database, spaceId: string, phoneNumberId: string): Promise<{ number: PhoneNumberRow; connection: ConnectionRow }> {
  const [number] = await db.select().from(phoneNumbers).where(and(eq(phoneNumbers.id, phoneNumberId), eq(phoneNumbers.spaceId, spaceId)));
  if (!number) throw notFound("phone number");
  const connection = await loadConnectionRow(db, spaceId, number.connectionId);
  if (!connection) throw notFound("phone number");
  if (connection.provider !== "twilio") throw new ApiError("conflict", `calls through ${connection.provider} connections are not supported yet`);
  return { number, connection };
}

/** Sessions holding one of the number's calls right now (one indexed count); with `before`, only
 *  those created before that session (ids are time-ordered). */
export async function liveCallsOn(db: Database, phoneNumberId: string, before?: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(sessions)
    .where(and(eq(sessions.phoneNumberId, phoneNumberId), inArray(sessions.status, [...liveStatuses]), before !== undefined ? lt(sessions.id, before) : undefined));
  return row?.n ?? 0;
}

function numberBusy(live: number, max: number): ApiError {
  return new ApiError("rate_limited", `the number already has ${live} of its ${max} concurrent calls (maxConcurrentCalls); try again when one ends`, {
    headers: { "retry-after": String(busyRetryAfterS) },
  });
}

/** The number's outbound rules for this destination: allowed country, a free call slot. */
export async function admitOutbound(db: Database, number: PhoneNumberRow, to: string): Promise<void> {
  if (!destinationAllowed(to, number.allowedCountries)) {
    const country = countryOf(to);
    const allowed = number.allowedCountries.length > 0 ? `only ${number.allowedCountries.join(", ")}` : "no country (its list is empty)";
    throw new ApiError(
      "destination_not_allowed",
      `the number's allowed destination countries (allowedCountries) permit ${allowed}; the destination is ${country ? `in ${country}` : "in a country that cannot be told from the number"}`,
    );
  }
  const live = await liveCallsOn(db, number.id);
  if (live >= number.maxConcurrentCalls) throw numberBusy(live, number.maxConcurrentCalls);
}

/** Twilio's create-call request for a session: inline TwiML to the media stream, callbacks, AMD. */
export function createCallParams(
  c: Context<AppEnv>,
  input: { sessionId: string; mediaToken: string; connectionId: string; from: string; to: string; timeLimitS: number },
): TwilioCreateCall {
  const { statusUrl, amdUrl } = twilioWebhookUrls(c, input.connectionId);
  const stream = { url: c.get("config").telephony.mediaStreamUrl, parameters: { sessionId: input.sessionId, token: input.mediaToken } };
  return {
    To: input.to,
    From: input.from,
    Twiml: twiml({ verb: "connectStream", stream }),
    StatusCallback: statusUrl,
    StatusCallbackMethod: "POST",
    StatusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
    Timeout: ringTimeoutS,
    TimeLimit: input.timeLimitS,
    // Asynchronous: the call connects to the agent at once; the verdict (and, for a machine, the
    // end of its greeting) arrives at the AMD callback and goes to the runtime.
    MachineDetection: "DetectMessageEnd",
    AsyncAmd: "true",
    AsyncAmdStatusCallback: amdUrl,
    AsyncAmdStatusCallbackMethod: "POST",
  };
}

/** Places an outbound call for an agent; the session fails with the reason when Twilio refuses. */
export async function placeOutboundCall(c: Context<AppEnv>, agent: AgentRow, body: OutboundCallBody): Promise<OutboundCall> {
  const db = c.get("db");
  const config = c.get("config");
  // The contract checks E.164's shape only; whether the number can exist is checked here.
  const destination = parsePhoneNumber(body.to);
  if (!destination.ok) throw new ApiError("validation_failed", "the destination is not a phone number that can exist", { errors: [{ field: "body.to", message: destination.message }] });
  const { number, connection } = await loadSpaceNumber(db, agent.spaceId, body.fromNumberId);
  await admitOutbound(db, number, body.to);

  const maxDurationMs = body.maxDurationS !== undefined ? body.maxDurationS * 1000 : undefined;
  const { sessionId, room } = await createDispatchingSession(c, {
    agent,
    publishedOnly: false,
    variables: body.variables,
    variablesSource: "json",
    language: body.language,
    channel: "phone",
    caller: body.to,
    phone: { direction: "outbound", from: number.e164, to: body.to, phoneNumberId: number.id, providerCallId: null },
    ...(maxDurationMs !== undefined ? { maxDurationMs } : {}),
  });

  // Requests at the same moment may all have found the last free slot: the sessions created first
  // keep theirs, and a later one past the limit fails its own session before any call is placed.
  const ahead = await liveCallsOn(db, number.id, sessionId);
  if (ahead >= number.maxConcurrentCalls) {
    await room.transition({ to: "failed", reason: "the number was at its concurrent-call limit" });
    throw numberBusy(ahead, number.maxConcurrentCalls);
  }

  // No CallSid to bind the token to yet: Twilio assigns it when it accepts the request below.
  const mediaToken = await signSessionToken(config.runtime.tokenSecret, { sessionId, agentId: agent.id, scope: "media", role: "phone", ttlS: outboundMediaTokenTtlS });
  const timeLimitS = Math.floor(Math.min(maxDurationMs ?? config.sessions.maxDurationMs, config.sessions.maxDurationMs) / 1000);
  const params = createCallParams(c, { sessionId, mediaToken, connectionId: connection.id, from: number.e164, to: body.to, timeLimitS });

  let call;
  try {
    const client = await twilioClientFor(config, connection);
    call = await client.createCall(params);
  } catch (err) {
    const reason = err instanceof TwilioApiError ? createCallRefusal(err).reason : "the call could not be placed";
    const failed = await room.transition({ to: "failed", reason });
    if (!failed.ok) log.warn("outbound call: the refused call's session could not be failed", { sessionId, code: failed.code });
    if (!(err instanceof TwilioApiError)) throw err;
    log.warn("outbound call: Twilio refused the call", { sessionId, connectionId: connection.id, status: err.status, twilioCode: err.code });
    throw createCallRefusal(err).error;
  }

  await db.update(sessions).set({ providerCallId: call.sid, providerStatus: call.status }).where(eq(sessions.id, sessionId));
  log.info("outbound call placed", { sessionId, connectionId: connection.id, phoneNumberId: number.id, providerStatus: call.status });
  return {
    sessionId,
    status: "dispatching",
    agentId: agent.id,
    fromNumberId: number.id,
    to: body.to,
    providerCallId: call.sid,
    eventsUrl: await viewerEventsUrl(c, sessionId, agent.id),
  };
}
