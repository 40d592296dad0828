// When a failed delivery is tried again: after the first failed attempt 5 s, then 5 min, 30 min,
// 2 h, 5 h and 10 h six times (12 attempts over about three days), each ±10 % so that the
// deliveries of one outage do not all come back at the same second. A receiver that answers 429 or
// 503 with Retry-After gets at least that long (capped at 12 h, the queue's longest delay).
import { maxQueueDelayS } from "./protocol.ts";

/** Seconds to wait after failed attempt n (index n - 1); its length + 1 is the number of attempts. */
export const retryDelaysS: readonly number[] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000, 36_000];
export const maxAttempts = retryDelaysS.length + 1;
export const jitterFraction = 0.1;
/** Statuses whose Retry-After is honoured. */
const retryAfterStatuses = new Set([429, 503]);

/**
 * Seconds until the attempt after `attemptsMade` attempts (the failed one included), or null when
 * the schedule is spent. `random` in [0, 1) places the jitter.
 */
export function nextRetryDelayS(attemptsMade: number, opts: { retryAfterS?: number | null; random?: () => number } = {}): number | null {
  const base = retryDelaysS[attemptsMade - 1];
  if (base === undefined) return null;
  const random = opts.random ?? Math.random;
  const jittered = Math.round(base * (1 - jitterFraction + 2 * jitterFraction * random()));
  const floor = opts.retryAfterS ? Math.min(opts.retryAfterS, maxQueueDelayS) : 0;
  return Math.max(1, jittered, floor);
}

/**
 * Retry-After (RFC 9110 §10.2.3) in seconds from `now`: delay-seconds or an HTTP date; null when
 * absent, unreadable, or the status is not one that asks for it.
 */
export function retryAfterSeconds(status: number | null, value: string | null, now: Date): number | null {
  if (status === null || !retryAfterStatuses.has(status) || !value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
