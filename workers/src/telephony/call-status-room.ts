// What a provider's call status does to the session room, once the status is in the call's history:
// shared by Twilio's status callbacks (consumer.ts) and VoxImplant's scenario events
// (voximplant/events.ts), so both providers end sessions alike. Idempotent, so it runs on a replay
// too and finishes what a failed delivery began.
import { log } from "../lib/log.ts";
import { sessionRoomIn } from "../sessions/room.ts";
import { callStatusEffect, type TwilioCallStatus } from "./call-status.ts";
import type { WorkerEnv } from "../env.ts";

export type CallStatusOutcome = { retry: false; outcome: "processed" | "ignored"; detail: string; sessionId: string };

/**
 * Publishes `phone.status` (under `eventId`), fails a session the agent never joined when the
 * status ends the call (call-status.ts), and says the outcome: `ignored` as a duplicate `what`
 * ("callback", "event") when the history already had it (`firstSeen` false), else `processed`.
 * "transferred" is published only: it never moves the session.
 */
export async function applyCallStatusToRoom(
  env: WorkerEnv,
  sessionId: string,
  status: TwilioCallStatus | "transferred",
  opts: { eventId: string; firstSeen: boolean; what: "callback" | "event" },
): Promise<CallStatusOutcome> {
  const room = sessionRoomIn(env, sessionId);
  const published = await room.publish({ eventId: opts.eventId, event: { type: "phone.status", status } });
  if (!published.ok && published.code !== "invalid_state") log.warn("telephony: call status not published", { sessionId, code: published.code });
  let moved = "";
  if (status !== "transferred") {
    const state = await room.state();
    if (state.ok) {
      const effect = callStatusEffect(status, state.status);
      if (effect.action === "fail") {
        const result = await room.transition({ to: "failed", reason: effect.reason });
        if (result.ok) moved = `; session failed: ${effect.reason}`;
        else if (result.code !== "invalid_transition") throw new Error(`session room refused the failure: ${result.code}`);
      }
    }
  }
  if (!opts.firstSeen) return { retry: false, outcome: "ignored", detail: `duplicate ${opts.what} (${status})${moved}`, sessionId };
  return { retry: false, outcome: "processed", detail: `${status}${moved}`, sessionId };
}
