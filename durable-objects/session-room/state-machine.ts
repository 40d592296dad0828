// The session lifecycle as a pure function, so the Durable Object and its tests share one table:
// Pending → Dispatching → Active → Completed, with Failed reachable from every live state.
import type { SessionStatus } from "@speaknode/contracts";

const next: Record<SessionStatus, readonly SessionStatus[]> = {
  pending: ["dispatching", "failed"],
  dispatching: ["active", "failed"],
  active: ["completed", "failed"],
  completed: [],
  failed: [],
};

export interface InvalidTransition {
  code: "invalid_transition";
  from: SessionStatus;
  to: SessionStatus;
  message: string;
}

export type TransitionResult = { ok: true } | { ok: false; error: InvalidTransition };

export function isTerminal(status: SessionStatus): boolean {
  return next[status].length === 0;
}

export function transition(from: SessionStatus, to: SessionStatus, reason?: string): TransitionResult {
  if (!next[from].includes(to)) {
    const message = isTerminal(from) ? `the session is already ${from}` : `cannot move a session from ${from} to ${to}`;
    return { ok: false, error: { code: "invalid_transition", from, to, message } };
  }
  // A failure without a reason is undiagnosable later, so it is refused rather than defaulted.
  if (to === "failed" && !reason?.trim()) {
    return { ok: false, error: { code: "invalid_transition", from, to, message: "failing a session needs a reason" } };
  }
  return { ok: true };
}
