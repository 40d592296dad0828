// When a campaign may call someone, and what happens to an item after an attempt ends. Pure
// (Intl only), so the runner and its tests share one definition.
//
// Windows are local wall-clock time in the recipient's zone: an instant is inside a window when
// its local weekday and time of day are. Around DST changes that means a window whose start falls
// in the spring-forward gap opens at the first instant after the gap, a start that happens twice
// in the fall-back hour opens at its first occurrence, and the repeated hour is judged by its
// wall-clock time each time it happens. Local time only changes by the clock running or by a zone
// transition, so window openings and closings are searched among those two kinds of instants.
// Zones are validated where they enter (TimeZoneName); one Intl does not know throws a RangeError.
import type { CallingWindow, CampaignOutcome, RetryPolicy, RetryRule } from "@speaknode/contracts";

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** How far the window search looks: a weekly schedule always opens within a week. */
const HORIZON_MS = 8 * DAY_MS;
/** Zone offsets are sampled this far apart; no zone changes its offset twice within it. */
const SAMPLE_MS = 6 * HOUR_MS;

// ---------------------------------------------------------------------------------------------
// Zone offsets through Intl

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at `atMs`, in ms (local wall-clock = atMs + offset). */
function offsetAt(timeZone: string, atMs: number): number {
  const wholeSecondMs = Math.floor(atMs / SECOND_MS) * SECOND_MS;
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(wholeSecondMs)) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  const hour = p["hour"] === 24 ? 0 : (p["hour"] ?? 0);
  const localMs = Date.UTC(p["year"] ?? 1970, (p["month"] ?? 1) - 1, p["day"] ?? 1, hour, p["minute"] ?? 0, p["second"] ?? 0);
  return localMs - wholeSecondMs;
}

// Offsets at sample instants and the transitions between them never change, so they are memoized
// (the runner asks for the same few zones for every item). Bounded by clearing when large.
const sampleCache = new Map<string, number>();
const transitionCache = new Map<string, number>();

function remember(cache: Map<string, number>, key: string, compute: () => number): number {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (cache.size > 20_000) cache.clear();
  const value = compute();
  cache.set(key, value);
  return value;
}

function sampledOffset(timeZone: string, sampleMs: number): number {
  return remember(sampleCache, `${timeZone}|${sampleMs}`, () => offsetAt(timeZone, sampleMs));
}

/** The first whole second in (lowMs, highMs] with the offset of `highMs` (they differ). */
function transitionBetween(timeZone: string, lowMs: number, highMs: number): number {
  return remember(transitionCache, `${timeZone}|${lowMs}`, () => {
    const before = offsetAt(timeZone, lowMs);
    let lo = lowMs;
    let hi = highMs;
    while (hi - lo > SECOND_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / SECOND_MS) * SECOND_MS;
      if (offsetAt(timeZone, mid) === before) lo = mid;
      else hi = mid;
    }
    return hi;
  });
}

interface Segment {
  /** First instant with this offset (−∞ for the first segment). */
  startMs: number;
  offsetMs: number;
}

/** The zone's offsets over [fromMs, toMs]: local time and its instants by arithmetic alone. */
class Timeline {
  readonly segments: Segment[];

  constructor(timeZone: string, fromMs: number, toMs: number) {
    const first = Math.floor(fromMs / SAMPLE_MS) * SAMPLE_MS;
    this.segments = [{ startMs: -Infinity, offsetMs: sampledOffset(timeZone, first) }];
    for (let s = first; s < toMs; s += SAMPLE_MS) {
      const here = sampledOffset(timeZone, s);
      const next = sampledOffset(timeZone, s + SAMPLE_MS);
      if (next !== here) this.segments.push({ startMs: transitionBetween(timeZone, s, s + SAMPLE_MS), offsetMs: next });
    }
  }

  get transitions(): number[] {
    return this.segments.slice(1).map((s) => s.startMs);
  }

  localOf(atMs: number): number {
    let offsetMs = this.segments[0]!.offsetMs;
    for (const s of this.segments) if (s.startMs <= atMs) offsetMs = s.offsetMs;
    return atMs + offsetMs;
  }

  /** Every instant whose local wall-clock time is `localMs`: none in a gap, two in an overlap. */
  instantsOf(localMs: number): number[] {
    const out: number[] = [];
    this.segments.forEach((s, i) => {
      const atMs = localMs - s.offsetMs;
      const endMs = this.segments[i + 1]?.startMs ?? Infinity;
      if (atMs >= s.startMs && atMs < endMs) out.push(atMs);
    });
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Windows

function minutesOf(clock: string): number {
  const [h, m] = clock.split(":");
  return Number(h) * 60 + Number(m);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local wall-clock time written as UTC ms. */
function isoWeekday(localMs: number): number {
  const d = new Date(localMs).getUTCDay();
  return d === 0 ? 7 : d;
}

function localInWindows(windows: CallingWindow[], localMs: number): boolean {
  const day = isoWeekday(localMs);
  const msOfDay = localMs - Math.floor(localMs / DAY_MS) * DAY_MS;
  return windows.some((w) => w.days.includes(day) && msOfDay >= minutesOf(w.start) * MINUTE_MS && msOfDay < minutesOf(w.end) * MINUTE_MS);
}

/** Whether `atMs` falls inside one of the windows in `timeZone` (local wall-clock time, ISO weekday). */
export function isInWindow(windows: CallingWindow[], timeZone: string, atMs: number): boolean {
  return localInWindows(windows, atMs + offsetAt(timeZone, atMs));
}

/**
 * The earliest instant in [fromMs, fromMs + horizon] that is (or is not, per `wantInside`) in
 * the windows and is either one of the windows' local boundaries or a zone transition: the only
 * instants where being inside can change.
 */
function firstBoundary(windows: CallingWindow[], timeZone: string, fromMs: number, boundary: "start" | "end", wantInside: boolean): number | null {
  const timeline = new Timeline(timeZone, fromMs - DAY_MS, fromMs + HORIZON_MS + DAY_MS);
  const firstDay = Math.floor(timeline.localOf(fromMs) / DAY_MS) * DAY_MS - DAY_MS;
  let best: number | null = null;
  const consider = (atMs: number) => {
    if (atMs < fromMs || atMs > fromMs + HORIZON_MS || (best !== null && atMs >= best)) return;
    if (localInWindows(windows, timeline.localOf(atMs)) === wantInside) best = atMs;
  };
  for (let day = firstDay; day <= firstDay + HORIZON_MS + 2 * DAY_MS; day += DAY_MS) {
    const weekday = isoWeekday(day);
    for (const w of windows) {
      if (!w.days.includes(weekday)) continue;
      for (const atMs of timeline.instantsOf(day + minutesOf(w[boundary]) * MINUTE_MS)) consider(atMs);
    }
  }
  for (const atMs of timeline.transitions) consider(atMs);
  return best;
}

/** `fromMs` when inside a window, else the first instant ≥ fromMs a window opens, in that zone; null if none within 8 days (cannot happen for valid windows). */
export function nextWindowStart(windows: CallingWindow[], timeZone: string, fromMs: number): number | null {
  if (isInWindow(windows, timeZone, fromMs)) return fromMs;
  return firstBoundary(windows, timeZone, fromMs, "start", true);
}

/**
 * When the current window of `atMs` closes (for scheduling the next look), or null when outside.
 * Adjacent or overlapping windows count as one (Monday 00:00–24:00 and Tuesday 00:00–12:00 close
 * on Tuesday at noon). Windows that never close within 8 days give the end of that horizon.
 */
export function windowEnd(windows: CallingWindow[], timeZone: string, atMs: number): number | null {
  if (!isInWindow(windows, timeZone, atMs)) return null;
  return firstBoundary(windows, timeZone, atMs + 1, "end", false) ?? atMs + HORIZON_MS;
}

// ---------------------------------------------------------------------------------------------
// Retries

export type NextStep = { kind: "final"; status: "completed" | "failed" } | { kind: "retry"; atMs: number; countsAgainstPolicy: boolean };

const NOT_PLACED_BASE_MS = MINUTE_MS;
const NOT_PLACED_CAP_MS = 15 * MINUTE_MS;
const RETRY_AFTER_CAP_MS = HOUR_MS;

function ruleFor(policy: RetryPolicy, outcome: "voicemail" | "no_answer" | "busy" | "failed"): RetryRule {
  if (outcome === "no_answer") return policy.noAnswer;
  return policy[outcome];
}

/**
 * After an attempt ended with `outcome`: `history` = outcomes of all ended attempts of the item,
 * this one included, oldest first.
 * - completed → final completed; cancelled → final failed.
 * - voicemail / no_answer / busy / failed → retry after policy[kind].backoffS while the number of
 *   attempts with that outcome ≤ policy[kind].attempts (attempts = extra calls after the first),
 *   else final failed.
 * - not_placed (no call existed) → always retried, not counted against the policy: after
 *   60 s·2^(consecutive not_placed − 1), capped at 15 min, or after `retryAfterMs` (the
 *   provider's Retry-After, a delay in ms) when that is later, capped at 1 h.
 */
export function decideNext(policy: RetryPolicy, outcome: CampaignOutcome, history: CampaignOutcome[], nowMs: number, retryAfterMs?: number | null): NextStep {
  switch (outcome) {
    case "completed":
      return { kind: "final", status: "completed" };
    case "cancelled":
      return { kind: "final", status: "failed" };
    case "not_placed": {
      let consecutive = 0;
      for (let i = history.length - 1; i >= 0 && history[i] === "not_placed"; i--) consecutive++;
      const backoffMs = Math.min(NOT_PLACED_BASE_MS * 2 ** (Math.max(consecutive, 1) - 1), NOT_PLACED_CAP_MS);
      const delayMs = Math.min(Math.max(backoffMs, retryAfterMs ?? 0), RETRY_AFTER_CAP_MS);
      return { kind: "retry", atMs: nowMs + delayMs, countsAgainstPolicy: false };
    }
    default: {
      const rule = ruleFor(policy, outcome);
      const sameKind = Math.max(
        history.filter((o) => o === outcome).length,
        1,
      );
      if (sameKind > rule.attempts) return { kind: "final", status: "failed" };
      return { kind: "retry", atMs: nowMs + rule.backoffS * SECOND_MS, countsAgainstPolicy: true };
    }
  }
}
