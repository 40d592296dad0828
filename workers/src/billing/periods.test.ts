import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDb } from "../../test/helpers.ts";
import { localDay, periodAt } from "./periods.ts";

const iso = (s: string) => new Date(s);

/** What Postgres says (the SQL of recordSessionUsage): the period start and the local day of each instant. */
async function sqlPeriods(cases: { at: Date; timeZone: string; interval: "monthly" | "yearly" }[]): Promise<{ startMs: number; day: string }[]> {
  const input = JSON.stringify(cases.map((c) => ({ t: c.at.toISOString(), tz: c.timeZone, unit: c.interval === "yearly" ? "year" : "month" })));
  const result = await withDb((db) =>
    db.execute<{ start_ms: string; day: string }>(sql`
      select extract(epoch from date_trunc(e->>'unit', (e->>'t')::timestamptz at time zone (e->>'tz')) at time zone (e->>'tz')) * 1000 as start_ms,
             to_char((e->>'t')::timestamptz at time zone (e->>'tz'), 'YYYY-MM-DD') as day
      from jsonb_array_elements(${input}::jsonb) with ordinality as x(e, n) order by n`),
  );
  return result.rows.map((r) => ({ startMs: Math.round(Number(r.start_ms)), day: r.day }));
}

describe("billing periods", () => {
  it("start at local midnight on the 1st in New York, across both DST changes", () => {
    // March 2026: starts in EST (UTC-5), ends in EDT (UTC-4).
    expect(periodAt("monthly", "America/New_York", iso("2026-03-15T12:00:00Z"))).toEqual({ start: iso("2026-03-01T05:00:00Z"), end: iso("2026-04-01T04:00:00Z") });
    // 23:30 local on March 31 is already April in UTC, but still March's period.
    expect(periodAt("monthly", "America/New_York", iso("2026-04-01T03:30:00Z")).start).toEqual(iso("2026-03-01T05:00:00Z"));
    expect(periodAt("monthly", "America/New_York", iso("2026-04-01T04:00:00Z")).start).toEqual(iso("2026-04-01T04:00:00Z"));
    // November 2026: DST ends on the 1st at 02:00, after the period started at midnight EDT.
    expect(periodAt("monthly", "America/New_York", iso("2026-11-01T06:30:00Z"))).toEqual({ start: iso("2026-11-01T04:00:00Z"), end: iso("2026-12-01T05:00:00Z") });
    expect(periodAt("monthly", "America/New_York", iso("2026-11-01T03:59:59.999Z")).start).toEqual(iso("2026-10-01T04:00:00Z"));
  });

  it("start at local midnight on the 1st in Kolkata (UTC+05:30), the day before in UTC", () => {
    expect(periodAt("monthly", "Asia/Kolkata", iso("2026-01-31T18:29:59Z"))).toEqual({ start: iso("2025-12-31T18:30:00Z"), end: iso("2026-01-31T18:30:00Z") });
    expect(periodAt("monthly", "Asia/Kolkata", iso("2026-01-31T18:30:00Z"))).toEqual({ start: iso("2026-01-31T18:30:00Z"), end: iso("2026-02-28T18:30:00Z") });
    expect(localDay(iso("2026-01-31T18:30:00Z"), "Asia/Kolkata")).toBe("2026-02-01");
    expect(localDay(iso("2026-01-31T18:29:59Z"), "Asia/Kolkata")).toBe("2026-01-31");
  });

  it("are calendar years for yearly plans, and UTC months without a zone", () => {
    expect(periodAt("yearly", "America/New_York", iso("2027-01-01T04:59:59Z"))).toEqual({ start: iso("2026-01-01T05:00:00Z"), end: iso("2027-01-01T05:00:00Z") });
    expect(periodAt("monthly", "UTC", iso("2028-02-29T23:59:59Z"))).toEqual({ start: iso("2028-02-01T00:00:00Z"), end: iso("2028-03-01T00:00:00Z") });
    expect(periodAt("monthly", "UTC", iso("2026-12-31T23:59:59.999Z")).end).toEqual(iso("2027-01-01T00:00:00Z"));
  });

  it("agree with Postgres's date_trunc in the zone at every boundary and through a year of instants", async () => {
    const zones = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "Europe/London"];
    const cases: { at: Date; timeZone: string; interval: "monthly" | "yearly" }[] = [];
    for (const timeZone of zones) {
      // Every period start of 2026 and the instants either side of it.
      for (let month = 0; month <= 12; month++) {
        const { start } = periodAt("monthly", timeZone, new Date(Date.UTC(2026, month, 15)));
        for (const d of [-1, 0, 1]) cases.push({ at: new Date(start.getTime() + d), timeZone, interval: "monthly" });
      }
      // A year in uneven steps (7 h 13 min), so every hour of the day and both DST sides are met.
      for (let t = Date.UTC(2026, 0, 1), n = 0; t < Date.UTC(2027, 0, 2); t += 26_000_000, n++) cases.push({ at: new Date(t), timeZone, interval: n % 5 === 0 ? "yearly" : "monthly" });
    }
    const fromSql = await sqlPeriods(cases);
    const mismatches = cases.flatMap((c, i) => {
      const ts = { startMs: periodAt(c.interval, c.timeZone, c.at).start.getTime(), day: localDay(c.at, c.timeZone) };
      const pg = fromSql[i];
      return pg && pg.startMs === ts.startMs && pg.day === ts.day ? [] : [{ ...c, at: c.at.toISOString(), ts, pg }];
    });
    expect(mismatches).toEqual([]);
    expect(fromSql).toHaveLength(cases.length);
  });
});
