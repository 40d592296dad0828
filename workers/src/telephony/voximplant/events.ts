// A call event the VoxEngine scenario posted (/events), applied from the telephony queue with the
// same session effects as Twilio's status callbacks (call-status.ts): connected → in-progress,
// disconnected → completed, failed with SIP 486/600 → busy, 480/408/487 → no-answer, else failed;
// ringing as is; transferred only joins the call's history. Idempotent: the event's identity is
// (status, seq), a replay meets the first's row in session_call_statuses and changes nothing, and
// lifecycle moves are idempotent themselves.
import { and, eq, isNull, notInArray, or } from "drizzle-orm";
import { phoneNumbers, sessionCallStatuses, sessions, type Database } from "@speaknode/db";
import { hangupCause, isTerminalCallStatus, twilioCallStatuses, type TwilioCallStatus } from "../call-status.ts";
import { applyCallStatusToRoom } from "../call-status-room.ts";
import type { WebhookLogRow } from "../webhook-log.ts";
import type { WorkerEnv } from "../../env.ts";

export type EventOutcome = { retry: false; outcome: "processed" | "ignored"; detail: string; sessionId?: string };

/** The call status a scenario event means (the statuses Twilio uses, so sessions and campaigns end alike). */
export function voximplantCallStatus(event: string, sipCode: number | null): TwilioCallStatus | "transferred" | null {
  switch (event) {
    case "ringing":
      return "ringing";
    case "connected":
      return "in-progress";
    case "disconnected":
      return "completed";
    case "transferred":
      return "transferred";
    case "failed":
      if (sipCode === 486 || sipCode === 600) return "busy";
      if (sipCode === 480 || sipCode === 408 || sipCode === 487) return "no-answer";
      return "failed";
    default:
      return null;
  }
}

const terminalStatuses = twilioCallStatuses.filter(isTerminalCallStatus);

function eventTime(raw: string | undefined, now = new Date()): Date {
  const ms = raw ? Date.parse(raw) : Number.NaN;
  return Number.isFinite(ms) && Math.abs(ms - now.getTime()) < 86_400_000 ? new Date(ms) : now;
}

/** The event's session: by the scenario session id (the call's provider id), else the session the event names, bound to it. */
async function sessionOf(db: Database, row: WebhookLogRow) {
  const p = row.params;
  const historyId = p["sessionHistoryId"] ?? "";
  const cols = { id: sessions.id, spaceId: sessions.spaceId, status: sessions.status };
  const [byCall] = await db
    .select(cols)
    .from(sessions)
    .innerJoin(phoneNumbers, and(eq(phoneNumbers.id, sessions.phoneNumberId), eq(phoneNumbers.connectionId, row.connectionId ?? "")))
    .where(eq(sessions.providerCallId, historyId));
  if (byCall) return byCall;
  const named = p["sessionId"];
  if (!named) return undefined;
  const [bound] = await db
    .update(sessions)
    .set({ providerCallId: historyId })
    .where(and(eq(sessions.id, named), isNull(sessions.providerCallId), eq(sessions.spaceId, row.spaceId ?? "")))
    .returning(cols);
  return bound;
}

export async function applyVoximplantEvent(cx: { db: Database; env: WorkerEnv }, row: WebhookLogRow): Promise<EventOutcome> {
  const p = row.params;
  const sipCode = p["sipCode"] && /^\d{1,3}$/.test(p["sipCode"]) ? Number(p["sipCode"]) : null;
  const status = voximplantCallStatus(p["event"] ?? "", sipCode);
  if (!status) return { retry: false, outcome: "ignored", detail: "not an event the scenario sends" };
  const session = await sessionOf(cx.db, row);
  if (!session) return { retry: false, outcome: "ignored", detail: "no session of this connection for the call" };
  const eventKey = `${status}:${(p["seq"] ?? "").slice(0, 20)}`;
  const detail: Record<string, string | number | null> = {};
  if (sipCode !== null) detail["sipResponseCode"] = String(sipCode);
  if (p["durationS"] && /^\d{1,9}$/.test(p["durationS"])) detail["callDurationS"] = Number(p["durationS"]);
  if (p["reason"]) detail["reason"] = p["reason"].slice(0, 100);
  const inserted = await cx.db.insert(sessionCallStatuses).values({ sessionId: session.id, eventKey, status, at: eventTime(p["at"]), detail }).onConflictDoNothing().returning({ eventKey: sessionCallStatuses.eventKey });
  if (inserted.length > 0) {
    const cause = status === "transferred" ? "transferred" : hangupCause(status, { SipResponseCode: sipCode !== null ? String(sipCode) : undefined });
    await cx.db
      .update(sessions)
      .set({ providerStatus: status, ...(cause ? { hangupCause: cause } : {}) })
      .where(and(eq(sessions.id, session.id), or(isNull(sessions.providerStatus), notInArray(sessions.providerStatus, terminalStatuses))));
  }
  return applyCallStatusToRoom(cx.env, session.id, status, { eventId: `voximplant-event:${eventKey}`, firstSeen: inserted.length > 0, what: "event" });
}
