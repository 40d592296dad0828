// Ending a session from the platform. A phone session's call is hung up at the provider; the
// provider's status callbacks and the runtime (its media stream closes) then complete the session,
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

type SessionRow = typeof sessions.$inferSelect;

/** What ending a session needs, with or without a request (the CampaignRunner has none). */
export interface HangupDeps {
  db: Database;
  config: Config;
  /** The Worker env (the SESSION_ROOM binding). */
  env: Record<string, unknown>;
}

export const endedFromPlatform = "ended from the platform";

/** Provider statuses of a call nobody has answered yet: canceling it is enough. */
const notAnswered = new Set(["queued", "initiated", "ringing"]);

async function failNow(deps: HangupDeps, session: SessionRow): Promise<EndSessionResult> {
  const moved = await sessionRoomIn(deps.env, session.id).transition({ to: "failed", reason: endedFromPlatform });
  if (!moved.ok) throw new ApiError("conflict", `the session cannot be ended: ${moved.message}`);
  return { sessionId: session.id, status: "failed" };
}

/** Hangs up the provider's call of a phone session (cancel while unanswered, complete otherwise). */
async function hangUp(deps: HangupDeps, session: SessionRow, providerCallId: string): Promise<void> {
  const { db } = deps;
  const [number] = session.phoneNumberId ? await db.select({ connectionId: phoneNumbers.connectionId }).from(phoneNumbers).where(eq(phoneNumbers.id, session.phoneNumberId)) : [];
  const connection = number ? await loadConnectionRow(db, session.spaceId, number.connectionId) : undefined;
  if (!connection) throw new ApiError("conflict", "the session's phone number or its connection was removed; the call cannot be reached from here");
  const client = await twilioClientFor(deps.config, connection);
  const unanswered = session.providerStatus !== null && notAnswered.has(session.providerStatus);
  // `canceled` leaves a call that was answered meanwhile (its callback not yet processed) alone;
  // Twilio answers with the call's status, and a call that turned out live is completed instead.
  const call = await client.updateCall(providerCallId, { Status: unanswered ? "canceled" : "completed" });
  if (unanswered && call.status === "in-progress") await client.updateCall(providerCallId, { Status: "completed" });
}

export async function endSession(deps: HangupDeps, session: SessionRow): Promise<{ result: EndSessionResult; accepted: boolean }> {
  if (session.status === "completed" || session.status === "failed") throw new ApiError("conflict", `the session has already ended (${session.status})`);
  const waiting = session.status === "pending" || session.status === "dispatching";

  if (session.channel !== "phone") {
    if (waiting) return { result: await failNow(deps, session), accepted: false };
    throw new ApiError("conflict", "only phone sessions can be ended from the platform while they are active; a web or API session ends when its caller leaves");
  }
  if (session.providerCallId === null) {
    if (waiting) return { result: await failNow(deps, session), accepted: false };
    throw new ApiError("conflict", "the session has no provider call to hang up");
  }
  try {
    await hangUp(deps, session, session.providerCallId);
  } catch (err) {
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
