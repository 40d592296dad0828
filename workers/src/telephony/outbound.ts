// Outbound calls (agent → phone): the space's number and its rules (destination countries,
// concurrent calls), the session created through the shared dispatch path, then the number's
// provider: Twilio's `Calls.json` with inline TwiML that connects the answered call to the runtime's
// Media Streams endpoint, status callbacks and asynchronous answering-machine detection; LiveKit
// SIP's CreateSIPParticipant into the session's room (outbound-livekit.ts); VoxImplant's scenario
// (outbound-dial.ts). A call the provider refuses fails its session with the reason and becomes a
// problem the caller can act on.
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import type { OutboundCall, OutboundCallBody, VoicemailPolicy } from "@speaknode/contracts";
import { phoneNumbers, sessions, type Database } from "@speaknode/db";
import { parsePhoneNumber } from "@speaknode/phone";
import { signSessionToken } from "@speaknode/tokens";
import type { AppEnv } from "../context.ts";
import type { AgentRow } from "../agents/store.ts";
import { ApiError, notFound } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { log } from "../lib/log.ts";
import { createDispatchingSession, originOf, sessionDepsOf, viewerEventsUrl, type SessionDeps } from "../sessions/dispatch.ts";
import { admitOutbound, callsAhead, type PhoneNumberRow } from "./call-limits.ts";
import { createCallRefusal } from "./call-errors.ts";
import { duplicateAttemptDetail } from "./refusal-kind.ts";
import { loadConnectionRow, twilioClientFor, twilioWebhookUrlsAt, type ConnectionRow } from "./connections.ts";
import { TwilioApiError, type TwilioCreateCall } from "./twilio/client.ts";
import { twiml } from "./twilio/twiml.ts";
import type { DialDeps, PlacedCall, ProviderDial } from "./outbound-dial.ts";
import { placeVoximplantCall } from "./voximplant-calls.ts";
import { placeLiveKitSipCall } from "./outbound-livekit.ts";
import type { Config } from "../config.ts";

export { admitOutbound, liveCallsOn, liveStatuses, type PhoneNumberRow } from "./call-limits.ts";
export { attemptAlreadyHasSession, callRefusalKind, type CallRefusalKind } from "./refusal-kind.ts";

/** What placing a call needs, with or without a request (the CampaignRunner has none). */
export type CallDeps = SessionDeps;

export function callDepsOf(c: Context<AppEnv>): CallDeps {
  return sessionDepsOf(c);
}

/** A campaign's call: its attempt, the version pinned at launch, and its call settings. */
export interface CampaignCallOptions {
  campaignId: string;
  attemptId: string;
  /** pinned published version */
  agentVersion: number;
  /** The campaign's limit on a call's length (null: the platform's). */
  maxDurationS: number | null;
  /** Informational: the runtime reads the policy from the campaign row (fixed at launch). */
  voicemail: "inherit" | VoicemailPolicy;
}

export interface PlaceCallOptions {
  campaign?: CampaignCallOptions;
  /** Awaited once the session row exists and before the provider is asked to call; a throw
   *  fails the session and no call is placed. */
  onSessionCreated?: (sessionId: string) => Promise<void>;
}

/** Seconds the provider lets an outbound call ring before it gives up (no-answer). */
export const ringTimeoutS = 30;
/** Lifetime of the media token in the inline TwiML: ringing plus Twilio's connect time. */
export const outboundMediaTokenTtlS = 120;

/** A phone number of the space, with the connection that places its calls. */
export async function loadSpaceNumber(db: Database, config: Config, spaceId: string, phoneNumberId: string): Promise<{ number: PhoneNumberRow; connection: ConnectionRow }> {
  const [number] = await db.select().from(phoneNumbers).where(and(eq(phoneNumbers.id, phoneNumberId), eq(phoneNumbers.spaceId, spaceId)));
  if (!number) throw notFound("phone number");
  const connection = await loadConnectionRow(db, spaceId, number.connectionId);
  if (!connection) throw notFound("phone number");
  // Refused before any session exists: a LiveKit SIP number needs the LiveKit media driver.
  if (connection.provider === "livekit_sip" && !config.runtime.livekit) {
    throw new ApiError("conflict", "calls from a LiveKit SIP number need the LiveKit media driver (MEDIA_DRIVER=livekit)");
  }
  return { number, connection };
}

/** Twilio's create-call request for a session: inline TwiML to the media stream, callbacks, AMD. */
export function createCallParams(
  deps: Pick<CallDeps, "config" | "origin">,
  input: { sessionId: string; mediaToken: string; connectionId: string; from: string; to: string; timeLimitS: number },
): TwilioCreateCall {
  const urls = twilioWebhookUrlsAt(originOf(deps), input.connectionId);
  // The callbacks name their session: should the CallSid never reach the session (the request
  // answered but its answer lost), the consumer still finds it. Twilio signs the whole URL.
  const session = `?${new URLSearchParams({ sessionId: input.sessionId }).toString()}`;
  const [statusUrl, amdUrl] = [urls.statusUrl + session, urls.amdUrl + session];
  const stream = { url: deps.config.telephony.mediaStreamUrl, parameters: { sessionId: input.sessionId, token: input.mediaToken } };
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

/** Twilio's Calls.json with inline TwiML to the media stream; a refusal fails the session and is thrown as a problem. */
async function placeTwilioCall(deps: DialDeps, d: ProviderDial): Promise<PlacedCall> {
  const { config } = deps;
  // No CallSid to bind the token to yet: Twilio assigns it when it accepts the request below.
  const mediaToken = await signSessionToken(config.runtime.tokenSecret, { sessionId: d.sessionId, agentId: d.agentId, scope: "media", role: "phone", ttlS: outboundMediaTokenTtlS });
  const params = createCallParams(deps, { sessionId: d.sessionId, mediaToken, connectionId: d.connection.id, from: d.from, to: d.to, timeLimitS: d.timeLimitS });
  try {
    const client = await twilioClientFor(config, d.connection);
    const call = await client.createCall(params);
    return { providerCallId: call.sid, providerStatus: call.status, reportedCallId: call.sid };
  } catch (err) {
    await d.fail(err instanceof TwilioApiError ? createCallRefusal(err).reason : "the call could not be placed");
    if (!(err instanceof TwilioApiError)) throw err;
    log.warn("outbound call: Twilio refused the call", { sessionId: d.sessionId, connectionId: d.connection.id, status: err.status, twilioCode: err.code });
    throw createCallRefusal(err).error;
  }
}

/** The refusal of a second session for one campaign attempt (never dialled twice). */
function duplicateAttempt(err: unknown): ApiError | null {
  if (databaseErrorFields(err)?.constraint !== "sessions_campaign_attempt_uq") return null;
  return new ApiError("conflict", duplicateAttemptDetail);
}

/**
 * Places an outbound call for an agent; the session fails with the reason when Twilio refuses.
 * With `opts.campaign` the session is the attempt's (created before Twilio is asked; a second one
 * for the same attempt fails on insert) and runs the campaign's pinned version.
 */
export async function placeOutboundCall(deps: CallDeps, agent: AgentRow, body: OutboundCallBody, opts: PlaceCallOptions = {}): Promise<OutboundCall> {
  const { db, config } = deps;
  const { campaign } = opts;
  // The contract checks E.164's shape only; whether the number can exist is checked here.
  const destination = parsePhoneNumber(body.to);
  if (!destination.ok) throw new ApiError("validation_failed", "the destination is not a phone number that can exist", { errors: [{ field: "body.to", message: destination.message }] });
  const { number, connection } = await loadSpaceNumber(db, config, agent.spaceId, body.fromNumberId);
  await admitOutbound(db, number, body.to);

  const maxDurationS = campaign?.maxDurationS ?? body.maxDurationS;
  const maxDurationMs = maxDurationS !== undefined ? maxDurationS * 1000 : undefined;
  let created;
  try {
    created = await createDispatchingSession(deps, {
      agent,
      publishedOnly: campaign !== undefined,
      variables: body.variables,
      variablesSource: "json",
      language: body.language,
      channel: "phone",
      caller: body.to,
      phone: { direction: "outbound", from: number.e164, to: body.to, phoneNumberId: number.id, providerCallId: null, provider: connection.provider },
      ...(maxDurationMs !== undefined ? { maxDurationMs } : {}),
      ...(campaign ? { campaign: { campaignId: campaign.campaignId, attemptId: campaign.attemptId, agentVersion: campaign.agentVersion } } : {}),
    });
  } catch (err) {
    throw duplicateAttempt(err) ?? err;
  }
  const { sessionId, room } = created;
  const fail = async (reason: string) => {
    const failed = await room.transition({ to: "failed", reason });
    if (!failed.ok) log.warn("outbound call: the session of a call not placed could not be failed", { sessionId, code: failed.code });
  };

  // Requests at the same moment may all have found the last free slot: the sessions created first
  // keep theirs, and a later one past a limit fails its own session before any call is placed.
  const ahead = await callsAhead(db, number, sessionId);
  if (ahead) {
    await fail(ahead.reason);
    throw ahead.error;
  }
  if (opts.onSessionCreated) {
    try {
      await opts.onSessionCreated(sessionId);
    } catch (err) {
      await fail("the call could not be placed");
      throw err;
    }
  }

  const timeLimitS = Math.floor(Math.min(maxDurationMs ?? config.sessions.maxDurationMs, config.sessions.maxDurationMs) / 1000);
  const dial = { sessionId, agentId: agent.id, connection, from: number.e164, to: body.to, ringTimeoutS, timeLimitS, fail };
  let placed: PlacedCall;
  switch (connection.provider) {
    case "twilio":
      placed = await placeTwilioCall(deps, dial);
      break;
    case "livekit_sip":
      placed = await placeLiveKitSipCall(deps, dial);
      break;
    case "voximplant":
      placed = await placeVoximplantCall(deps, dial);
      break;
  }

  await db
    .update(sessions)
    .set({ ...(placed.providerCallId !== null ? { providerCallId: placed.providerCallId } : {}), providerStatus: placed.providerStatus, ...(placed.controlUrl ? { providerControlUrl: placed.controlUrl } : {}) })
    .where(eq(sessions.id, sessionId));
  log.info(placed.providerCallId !== null ? "outbound call placed" : "outbound call ended before it was answered", { sessionId, connectionId: connection.id, provider: connection.provider, phoneNumberId: number.id, providerStatus: placed.providerStatus, ...(campaign ? { campaignId: campaign.campaignId, attemptId: campaign.attemptId } : {}) });
  return {
    sessionId,
    status: "dispatching",
    agentId: agent.id,
    fromNumberId: number.id,
    to: body.to,
    providerCallId: placed.reportedCallId,
    eventsUrl: await viewerEventsUrl(deps, sessionId, agent.id),
  };
}
