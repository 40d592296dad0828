// Billable seconds of a session: Active (startedAt) to its end, rounded up to whole seconds, then
// the plan's rule. usage.ts does the same in SQL on the session end path; rounding.test.ts checks both.
import type { RoundingRule } from "@speaknode/contracts";

/** Whole seconds from Active to the end, rounded up; never negative (clock skew between writers). */
export function rawSecondsOf(startedAt: Date, endedAt: Date): number {
  const ms = endedAt.getTime() - startedAt.getTime();
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/** per_call_minute: up to a multiple of 60 (0 stays 0); per_second: unchanged. */
export function billableSeconds(raw: number, rule: RoundingRule): number {
  const seconds = Math.max(0, Math.ceil(raw));
  return rule === "per_call_minute" ? Math.ceil(seconds / 60) * 60 : seconds;
}
