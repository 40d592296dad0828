import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import { invoices } from "@speaknode/db";
import { withDb } from "../../../test/helpers.ts";
import { runScheduledStatements } from "./scheduled.ts";
import { endedSession, ledgerPlan, ledgerSpace } from "./testing.ts";

const env = workerEnv;

// 1998 is this file's own: no other test records usage or starts a subscription that long ago, so
// the cron's run at a 1998 `now` closes only the spaces made here.
async function statementMonths(spaceId: string): Promise<string[]> {
  const rows = await withDb((db) =>
    db.select().from(invoices).where(and(eq(invoices.spaceId, spaceId), eq(invoices.source, "ledger"))).orderBy(asc(invoices.periodStart)),
  );
  return rows.map((r) => `${r.periodStart.toISOString()} ${r.usedSeconds}s ${r.total}`);
}

describe("runScheduledStatements", () => {
  it("closes the due statements of every space that has some, and only those, once", async () => {
    const { paid, tokyo, implicit, used, idle } = await withDb(async (db) => {
      const paidPlan = await ledgerPlan(db, { price: "15", includedMinutes: 10, overagePricePerMinute: "0.10" });
      const freePlan = await ledgerPlan(db, { price: "0", includedMinutes: 10, overagePricePerMinute: null, rounding: "per_call_minute" });
      const tokyoSpace = await ledgerSpace(db, { plan: paidPlan, timeZone: "Asia/Tokyo", startedAt: new Date("1998-01-10T00:00:00Z") });
      const implicitSpace = await ledgerSpace(db);
      await endedSession(db, implicitSpace, "1998-02-14T12:00:00Z", 45);
      const usedSpace = await ledgerSpace(db, { plan: freePlan, timeZone: "UTC", startedAt: new Date("1998-01-01T00:00:00Z") });
      await endedSession(db, usedSpace, "1998-03-03T12:00:00Z", 20);
      const idleSpace = await ledgerSpace(db, { plan: freePlan, timeZone: "UTC", startedAt: new Date("1998-01-01T00:00:00Z") });
      return { paid: paidPlan, tokyo: tokyoSpace, implicit: implicitSpace, used: usedSpace, idle: idleSpace };
    });
    expect(paid.price).toBe("15.0000");
    const now = new Date("1998-04-20T00:05:00Z");
    const first = await runScheduledStatements(env, now);
    expect(first?.failed).toBe(0);
    expect(first?.written).toBeGreaterThanOrEqual(5);
    // Tokyo's months start at 15:00 UTC the day before; April has not ended.
    expect(await statementMonths(tokyo)).toEqual([
      "1997-12-31T15:00:00.000Z 0s 15.0000",
      "1998-01-31T15:00:00.000Z 0s 15.0000",
      "1998-02-28T15:00:00.000Z 0s 15.0000",
    ]);
    expect(await statementMonths(implicit)).toEqual(["1998-02-01T00:00:00.000Z 45s 399.0000"]);
    expect(await statementMonths(used)).toEqual(["1998-03-01T00:00:00.000Z 60s 0.0000"]);
    expect(await statementMonths(idle)).toEqual([]);
    // The next hour's run finds nothing more of these spaces to write.
    const again = await runScheduledStatements(env, new Date("1998-04-20T01:05:00Z"));
    expect(again?.written).toBe(0);
    expect(await statementMonths(tokyo)).toHaveLength(3);
  });

  it("runs in the first ten minutes of an hour only", async () => {
    expect(await runScheduledStatements(env, new Date("1998-05-20T00:30:00Z"))).toBeNull();
  });
});
