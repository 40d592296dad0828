// Ending a session from the platform. A phone session's call is hung up at the provider (Twilio's
// REST API; a SIP participant removed from its LiveKit room, or the room deleted while it rings; a
// VoxImplant scenario told to hang up); the provider's status callbacks and the runtime (its media
// or its caller goes) then complete the session,
// so nothing here races them. A session with nothing connected yet — a phone call not yet placed, a
// web session still waiting for its agent — fails at once. An active web session has no channel
// from the Worker to its runtime yet, so it cannot be ended from here.
import { eq } from "drizzle-orm";
import type { EndSessionResult } from "@speaknode/contracts";
import { phoneNumbers, sessions, type Database } from "@speaknode/db";
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import { log } from "../lib/log.ts";
import { sessionRoomIn } from "../sessions/room.ts";
import { twilioCallNotInProgress, updateCallRefusal } from "./call-errors.ts";
import { loadConnectionRow, twilioClientFor } from "./connections.ts";
import { TwilioApiError } from "./twilio/client.ts";
import { LiveKitError } from "../sessions/livekit/twirp.ts";
import { isTwilioCallSid } from "./inbound.ts";
import { hangUpLiveKitCall, liveKitCallRefusal, parseLiveKitControlUrl } from "./livekit-control.ts";
import { controlVoximplant } from "./voximplant-calls.ts";
import type { WorkerEnv } from "../env.ts";

type SessionRow = typeof sessions.$inferSelect;

/** What ending a session needs, with or without a request (the CampaignRunner has none). */
export interface HangupDeps {
  db: Database;
  config: Config;
  /** The Worker env (the SESSION_ROOM binding). */
  env: WorkerEnv;
}

export const endedFromPlatform = "ended from the platform";

/** Provider statuses of a call nobody has answered yet: canceling it is enough. */
const notAnswered = new Set(["queued", "initiated", "ringing"]);

async function failNow(deps: HangupDeps, session: SessionRow): Promise<EndSessionResult> {
  const moved = await sessionRoomIn(deps.env, session.id).transition({ to: "failed", reason: endedFromPlatform });
  if (!moved.ok) throw new ApiError("conflict", `the session cannot be ended: ${moved.message}`);
  return { sessionId: session.id, status: "failed" };
}

/** The connection that places or took the session's call. */
async function connectionOf(deps: HangupDeps, session: SessionRow) {
  const { db } = deps;
  const [number] = session.phoneNumberId ? await db.select({ connectionId: phoneNumbers.connectionId }).from(phoneNumbers).where(eq(phoneNumbers.id, session.phoneNumberId)) : [];
  const connection = number ? await loadConnectionRow(db, session.spaceId, number.connectionId) : undefined;
  if (!connection) throw new ApiError("conflict", "the session's phone number or its connection was removed; the call cannot be reached from here");
  return connection;
}

/** Hangs up the provider's call of a phone session (cancel while unanswered, complete otherwise). */
async function hangUp(deps: HangupDeps, session: SessionRow, providerCallId: string): Promise<void> {
  const connection = await connectionOf(deps, session);
  if (connection.provider === "voximplant") {
    await controlVoximplant(deps.config, session.providerControlUrl, { command: "hangup" });
    return;
  }
  const target = parseLiveKitControlUrl(session.providerControlUrl);
  if (connection.provider === "livekit_sip" || (target && !isTwilioCallSid(providerCallId))) {
    if (!target) throw new ApiError("conflict", "the call's SIP participant is not known yet; it cannot be hung up from here");
    // A call gone already is not an error: the runtime ends its session as the caller leaves.
    await hangUpLiveKitCall(deps.config, target, session.status === "active");
    return;
  }
  const client = await twilioClientFor(deps.config, connection);
  const unanswered = session.providerStatus !== null && notAnswered.has(session.providerStatus);
  // `canceled` leaves a call that was answered meanwhile (its callback not yet processed) alone;
  // Twilio answers with the call's status, and a call that turned out live is completed instead.
  const call = await client.updateCall(providerCallId, { Status: unanswered ? "canceled" : "completed" });
  if (unanswered && call.status === "in-progress") await client.updateCall(providerCallId, { Status: "completed" });
}

/** A LiveKit SIP call still ringing (its dial waits for an answer, no call id yet): its room goes,
 *  which ends the dial and lets the agent go. */
async function stopRinging(deps: HangupDeps, session: SessionRow): Promise<void> {
  const target = parseLiveKitControlUrl(session.providerControlUrl);
  if (!target) return;
  try {
    await hangUpLiveKitCall(deps.config, target, false);
  } catch (err) {
    if (!(err instanceof LiveKitError)) throw err;
    log.warn("end session: LiveKit refused to end the ringing call", { sessionId: session.id, status: err.status, code: err.code });
    throw liveKitCallRefusal(err, "hung up").error;
  }
}

export async function endSession(deps: HangupDeps, session: SessionRow): Promise<{ result: EndSessionResult; accepted: boolean }> {
  if (session.status === "completed" || session.status === "failed") throw new ApiError("conflict", `the session has already ended (${session.status})`);
  const waiting = session.status === "pending" || session.status === "dispatching";

  if (session.channel !== "phone") {
    if (waiting) return { result: await failNow(deps, session), accepted: false };
    throw new ApiError("conflict", "only phone sessions can be ended from the platform while they are active; a web or API session ends when its caller leaves");
  }
  if (session.providerCallId === null) {
    if (parseLiveKitControlUrl(session.providerControlUrl)) {
      // A LiveKit SIP dial still ringing (its agent may already be in the room): the room goes.
      await stopRinging(deps, session);
      if (!waiting) return { result: { sessionId: session.id, status: "ending" }, accepted: true };
    }
    if (waiting) return { result: await failNow(deps, session), accepted: false };
    throw new ApiError("conflict", "the session has no provider call to hang up");
  }
  try {
    await hangUp(deps, session, session.providerCallId);
  } catch (err) {
    if (err instanceof LiveKitError) {
      log.warn("end session: LiveKit refused to hang up the call", { sessionId: session.id, status: err.status, code: err.code });
      throw liveKitCallRefusal(err, "hung up").error;
    }
    if (!(err instanceof TwilioApiError)) throw err;
    log.warn("end session: Twilio refused to hang up the call", { sessionId: session.id, status: err.status, twilioCode: err.code });
    // The call is already over at Twilio: its callbacks end the session; one still waiting ends now.
    const gone = err.code === twilioCallNotInProgress || err.status === 404;
    if (!gone) throw updateCallRefusal(err, "hung up");
    if (waiting) return { result: await failNow(deps, session), accepted: false };
  }
  log.info("end session: the provider is hanging up the call", { sessionId: session.id });
  return { result: { sessionId: session.id, status: "ending" }, accepted: true };
}
