// Billing periods: calendar months (or years) in the subscription's time zone, starting at local
// midnight on the 1st, like Lago's calendar billing. The SQL of usage.ts computes the same start
// with `date_trunc('month', t AT TIME ZONE tz) AT TIME ZONE tz`; periods.test.ts holds the two to
// agreement across DST changes and month ends.
import type { BillingInterval } from "@speaknode/contracts";

export interface Period {
  start: Date;
  end: Date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(atMs: number, timeZone: string): LocalParts {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(Math.floor(atMs / 1000) * 1000)) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return { year: p["year"] ?? 1970, month: p["month"] ?? 1, day: p["day"] ?? 1, hour: (p["hour"] ?? 0) % 24, minute: p["minute"] ?? 0, second: p["second"] ?? 0 };
}

/** The zone's offset from UTC at an instant, in ms (local = utc + offset). */
function offsetAt(timeZone: string, atMs: number): number {
  const p = localParts(atMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/** The instant a local wall-clock time names in the zone (a time skipped by DST moves forward, as Postgres does). */
function instantOf(timeZone: string, year: number, monthIndex: number, day: number): Date {
  const wall = Date.UTC(year, monthIndex, day);
  // Postgres resolves a local time with the offset in effect just before it; two passes settle
  // every case but a skipped hour, which then lands after the gap.
  const first = wall - offsetAt(timeZone, wall);
  const second = wall - offsetAt(timeZone, first);
  return new Date(second);
}

/** The period that contains `at`. */
export function periodAt(interval: BillingInterval, timeZone: string, at: Date): Period {
  const p = localParts(at.getTime(), timeZone);
  if (interval === "yearly") return { start: instantOf(timeZone, p.year, 0, 1), end: instantOf(timeZone, p.year + 1, 0, 1) };
  return { start: instantOf(timeZone, p.year, p.month - 1, 1), end: instantOf(timeZone, p.year, p.month, 1) };
}

/** The local calendar day of an instant in the zone: "YYYY-MM-DD". */
export function localDay(at: Date, timeZone: string): string {
  const p = localParts(at.getTime(), timeZone);
  return `${String(p.year).padStart(4, "0")}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}
