// What a provider call status means for a phone session: the one place the call's progress
// (Twilio's CallStatus) is mapped onto the session lifecycle. Pure, so every pair is tested.
//
// - queued / initiated / ringing / in-progress say the call is on its way: nothing to move.
// - busy / no-answer / failed / canceled end a call the agent never joined: a session still
//   pending or dispatching fails with the reason people read in the dashboard.
// - completed before the media stream connected (still pending or dispatching) also fails the session; once
//   active, the runtime completes the session itself when the stream stops.
// A status arriving after the session ended changes nothing but the history.

export const twilioCallStatuses = ["queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"] as const;
export type TwilioCallStatus = (typeof twilioCallStatuses)[number];

export type SessionStatusName = "pending" | "dispatching" | "active" | "completed" | "failed";

export type CallStatusEffect =
  /** Record the status only. */
  | { action: "none" }
  /** Fail the session with this reason. */
  | { action: "fail"; reason: string };

const terminalReasons: Record<"busy" | "no-answer" | "failed" | "canceled", string> = {
  busy: "busy",
  "no-answer": "no answer",
  failed: "call failed",
  canceled: "canceled",
};

export const endedBeforeAgentJoined = "call ended before the agent joined";

export function isTwilioCallStatus(value: string): value is TwilioCallStatus {
  return (twilioCallStatuses as readonly string[]).includes(value);
}

/** Whether the call is over (its hang-up cause is then recorded on the session). */
export function isTerminalCallStatus(status: TwilioCallStatus): boolean {
  return status === "completed" || status in terminalReasons;
}

export function callStatusEffect(status: TwilioCallStatus, session: SessionStatusName): CallStatusEffect {
  const notJoined = session === "pending" || session === "dispatching";
  if (status === "completed") return notJoined ? { action: "fail", reason: endedBeforeAgentJoined } : { action: "none" };
  if (status === "busy" || status === "no-answer" || status === "failed" || status === "canceled") {
    return notJoined ? { action: "fail", reason: terminalReasons[status] } : { action: "none" };
  }
  return { action: "none" };
}

/** The session's hang-up cause for a terminal status (the provider's words, with its codes). */
export function hangupCause(status: TwilioCallStatus, detail: { SipResponseCode?: string | undefined; ErrorCode?: string | undefined }): string | null {
  if (!isTerminalCallStatus(status)) return null;
  const extras = [detail.SipResponseCode ? `sip ${detail.SipResponseCode}` : null, detail.ErrorCode ? `error ${detail.ErrorCode}` : null].filter((v) => v !== null);
  return extras.length > 0 ? `${status} (${extras.join(", ")})` : status;
}
