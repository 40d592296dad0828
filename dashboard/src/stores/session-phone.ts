// A call's facts for the sessions pages, without the DOM: the list row's label (direction and the
// other party's number, masked: a list is read over shoulders), the detail page's timeline that
// merges the provider's status history with the DTMF, transfer and voicemail events, and the
// words people read for provider statuses and answering-machine verdicts.
import { maskPhoneNumber } from "../../../packages/phone/src/light.ts";
import type { CallDirection, SessionPhone } from "../../../packages/contracts/src/telephony.ts";
import type { Session } from "../../../packages/contracts/src/sessions.ts";
import type { SessionDetailData } from "./sessions-detail.ts";

export const callDirections: CallDirection[] = ["inbound", "outbound"];
export const directionLabel: Record<CallDirection, string> = { inbound: "Inbound", outbound: "Outbound" };

/** The number on the other end: who called in, or who was called. */
export function otherParty(phone: SessionPhone): string | null {
  return phone.direction === "inbound" ? phone.from : phone.to;
}

export interface PhoneRowLabel {
  direction: CallDirection;
  /** "Inbound call from" / "Outbound call to": the row's tooltip. */
  title: string;
  /** The other party's number masked (`+1415•••0100`), or an em dash when unknown. */
  number: string;
}

/** What a list row shows for a call; null for sessions of other channels. */
export function phoneRowLabel(session: Pick<Session, "phone">): PhoneRowLabel | null {
  const phone = session.phone;
  if (!phone) return null;
  const number = otherParty(phone);
  return {
    direction: phone.direction,
    title: phone.direction === "inbound" ? "Inbound call from" : "Outbound call to",
    number: number ? maskPhoneNumber(number) : "—",
  };
}

const statusWords: Record<string, string> = {
  queued: "Queued",
  initiated: "Dialing",
  ringing: "Ringing",
  "in-progress": "Answered",
  answered: "Answered",
  completed: "Completed",
  busy: "Busy",
  "no-answer": "No answer",
  failed: "Failed",
  canceled: "Canceled",
};

const answeredByWords: Record<string, string> = {
  human: "a person",
  machine_start: "an answering machine",
  machine_end_beep: "an answering machine (after the beep)",
  machine_end_silence: "an answering machine (after silence)",
  machine_end_other: "an answering machine",
  fax: "a fax machine",
  unknown: "nobody could tell",
};

/** `amd:<answeredBy>` (the answering-machine verdict) reads as who answered; unknown statuses as they are. */
export function callStatusLabel(status: string): string {
  if (status.startsWith("amd:")) {
    const who = status.slice(4);
    return `Answered by ${answeredByWords[who] ?? who.replaceAll("_", " ")}`;
  }
  return statusWords[status] ?? status;
}

/** Whether a provider status ends the call badly (busy, no answer, failed, canceled). */
export const isBadCallStatus = (status: string) => status === "busy" || status === "no-answer" || status === "failed" || status === "canceled";

export type PhoneTimelineEntry =
  | { kind: "status"; at: string; status: string; label: string; bad: boolean; detail: Record<string, string | number | null> }
  | { kind: "dtmf"; at: string; label: string; digits: string; direction: "received" | "sent" }
  | { kind: "transfer"; at: string; label: string; destination: string; reason: string | null }
  | { kind: "voicemail"; at: string; label: string; answeredBy: string; action: string };

/**
 * The call's timeline: provider statuses and the runtime's phone events in time order (a status
 * before an event at the same instant, each list keeping its own order).
 */
export function phoneTimeline(detail: Pick<SessionDetailData, "callStatuses" | "phoneEvents">): PhoneTimelineEntry[] {
  const statuses: PhoneTimelineEntry[] = detail.callStatuses.map((s) => ({ kind: "status", at: s.at, status: s.status, label: callStatusLabel(s.status), bad: isBadCallStatus(s.status), detail: s.detail }));
  const events: PhoneTimelineEntry[] = detail.phoneEvents.map((e) => {
    switch (e.type) {
      case "dtmf":
        return { kind: "dtmf", at: e.at, label: e.detail.direction === "received" ? "Caller pressed keys" : "Agent sent keys", digits: e.detail.digits, direction: e.detail.direction };
      case "phone.transferred":
        return { kind: "transfer", at: e.at, label: `Transferred to ${e.detail.destination}`, destination: e.detail.destination, reason: e.detail.reason };
      case "phone.voicemail":
        return {
          kind: "voicemail",
          at: e.at,
          label: e.detail.action === "leave_message" ? "Voicemail: left a message" : "Voicemail: hung up",
          answeredBy: e.detail.answeredBy,
          action: e.detail.action,
        };
    }
  });
  const ordered = [...statuses.map((entry, i) => ({ entry, rank: 0, i })), ...events.map((entry, i) => ({ entry, rank: 1, i }))];
  ordered.sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at) || a.rank - b.rank || a.i - b.i);
  return ordered.map((o) => o.entry);
}
