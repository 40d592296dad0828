// How a campaign's runner treats a call that was not placed: transient refusals (a limit reached,
// the provider rate limiting or failing, the database or network failing) are tried again later
// without counting against the campaign's retry policy; refusals about the contact, the number or
// the agent (a destination not allowed, an unverified caller id, variables that do not fit) will
// not change by waiting, so the item gives up with the reason. Spent voice minutes (402) pause the
// campaign instead: every item would be refused alike until the plan changes or the period ends.
import { ApiError } from "../errors.ts";

export type CallRefusalKind =
  | { kind: "retry"; retryAfterMs: number | null; reason: string }
  | { kind: "permanent"; reason: string }
  /** The space's voice minutes are spent on a hard-stop plan: no call of the campaign can be placed
   *  until the period ends or the plan changes, so the campaign pauses (the item is tried again). */
  | { kind: "pause"; reason: string };

/** The detail of the refusal of a second session for one campaign attempt. */
export const duplicateAttemptDetail = "the campaign attempt already has its session; an attempt is never dialled twice";

/** True for the refusal of a second session for an attempt that already has one: the attempt's
 *  outcome is that session's, neither a retry nor a failure of the item. */
export function attemptAlreadyHasSession(err: unknown): boolean {
  return err instanceof ApiError && err.code === "conflict" && err.message === duplicateAttemptDetail;
}

function retryAfterMs(err: ApiError): number | null {
  const raw = err.headers?.["retry-after"];
  if (raw === undefined) return null;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
}

/** The refusal's message, with the fields it names (field paths only: never values). */
function describe(err: ApiError): string {
  const fields = (err.errors ?? []).map((e) => e.field);
  return fields.length > 0 ? `${err.message} (${fields.join(", ")})` : err.message;
}

/** How the runner treats a refusal: retry later (429/5xx/timeouts/number, space or plan at its
 *  concurrent limit), pause the campaign (the plan's minutes spent), or give up on the item. */
export function callRefusalKind(err: unknown): CallRefusalKind {
  if (!(err instanceof ApiError)) {
    // A thrown database or network error: transient as far as the item can tell. Its message may
    // quote query parameters (numbers, variables), so only its name is kept.
    const name = err instanceof Error ? err.name : "error";
    return { kind: "retry", retryAfterMs: null, reason: `the call could not be placed (${name})` };
  }
  if (err.code === "minutes_exhausted") return { kind: "pause", reason: err.message };
  if (err.code === "rate_limited" || err.code === "concurrency_limit" || (err.status >= 500 && err.code !== "upstream_rejected")) {
    return { kind: "retry", retryAfterMs: retryAfterMs(err), reason: err.message };
  }
  return { kind: "permanent", reason: describe(err) };
}
