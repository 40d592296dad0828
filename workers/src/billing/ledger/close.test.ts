import { describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import { invoices, subscriptions, type Database } from "@speaknode/db";
import { withDb } from "../../../test/helpers.ts";
import { closeDueStatements, closeGraceMs } from "./close.ts";
import { defaultPlan, endedSession, ledgerPlan, ledgerSpace } from "./testing.ts";

// Every test works in its own years, long past, so the statements other tests' spaces get (their
// periods are the current one) never meet these, and `now` is passed in.

async function statementsOf(db: Database, spaceId: string) {
  return db.select().from(invoices).where(and(eq(invoices.spaceId, spaceId), eq(invoices.source, "ledger"))).orderBy(asc(invoices.periodStart));
}

describe("closeDueStatements", () => {
  it("places sessions by the local month they ended in: 23:30 on the 31st in that month, 00:10 on the 1st in the next", async () => {
    await withDb(async (db) => {
      const plan = await ledgerPlan(db, { price: "10", includedMinutes: 1, overagePricePerMinute: "0.05", rounding: "per_second" });
      const spaceId = await ledgerSpace(db, { plan, timeZone: "America/New_York", startedAt: new Date("2001-01-10T12:00:00Z") });
      // 23:30 in New York on 31 January is 04:30 UTC on 1 February: January's all the same.
      await endedSession(db, spaceId, "2001-02-01T04:30:00Z", 90);
      // 00:10 in New York on 1 February: February's.
      await endedSession(db, spaceId, "2001-02-01T05:10:00Z", 30);
      const written = await closeDueStatements(db, spaceId, defaultPlan, new Date("2001-03-15T00:00:00Z"));
      expect(written.map((s) => [s.periodStart.toISOString(), s.periodEnd.toISOString(), s.usedSeconds, s.total])).toEqual([
        ["2001-01-01T05:00:00.000Z", "2001-02-01T05:00:00.000Z", 90, "10.0300"],
        ["2001-02-01T05:00:00.000Z", "2001-03-01T05:00:00.000Z", 30, "10.0000"],
      ]);
      const [january] = written;
      expect(january?.lines.map((l) => [l.kind, l.quantity, l.amount])).toEqual([
        ["subscription", "1", "10.00"],
        ["included_minutes", "1", "0.00"],
        ["overage", "0.5", "0.03"],
      ]);
      expect(january).toMatchObject({ status: "open", currency: "USD", planId: plan.id, planName: plan.name, source: "ledger" });
    });
  });

  it("numbers statements SN-<local year of the period start>-<six digits>, uniquely and in period order", async () => {
    await withDb(async (db) => {
      const plan = await ledgerPlan(db, { price: "5", includedMinutes: 0, overagePricePerMinute: "0.01", rounding: "per_second" });
      // Auckland's January 2003 starts at 11:00 UTC on 31 December 2002: its number says 2003.
      const spaceId = await ledgerSpace(db, { plan, timeZone: "Pacific/Auckland", startedAt: new Date("2002-11-20T00:00:00Z") });
      const written = await closeDueStatements(db, spaceId, defaultPlan, new Date("2003-02-10T00:00:00Z"));
      expect(written.map((s) => s.periodStart.toISOString())).toEqual(["2002-10-31T11:00:00.000Z", "2002-11-30T11:00:00.000Z", "2002-12-31T11:00:00.000Z"]);
      expect(written.map((s) => s.number.slice(0, 8))).toEqual(["SN-2002-", "SN-2002-", "SN-2003-"]);
      for (const s of written) expect(s.number).toMatch(/^SN-\d{4}-\d{6,}$/);
      const serials = written.map((s) => Number(s.number.slice(8)));
      expect(new Set(serials).size).toBe(3);
      expect([...serials].sort((a, b) => a - b)).toEqual(serials);
    });
  });

  it("bills each call as its plan's rule recorded it: whole minutes per call, or seconds", async () => {
    await withDb(async (db) => {
      const perMinute = await ledgerPlan(db, { price: "0", includedMinutes: 1, overagePricePerMinute: "0.10", rounding: "per_call_minute" });
      const perSecond = await ledgerPlan(db, { price: "0", includedMinutes: 1, overagePricePerMinute: "0.10", rounding: "per_second" });
      const started = new Date("2004-01-01T00:00:00Z");
      const a = await ledgerSpace(db, { plan: perMinute, timeZone: "UTC", startedAt: started });
      const b = await ledgerSpace(db, { plan: perSecond, timeZone: "UTC", startedAt: started });
      for (const spaceId of [a, b]) {
        await endedSession(db, spaceId, "2004-01-10T10:00:00Z", 61);
        await endedSession(db, spaceId, "2004-01-11T10:00:00Z", 30);
      }
      const now = new Date("2004-02-02T00:00:00Z");
      const [minutes] = await closeDueStatements(db, a, defaultPlan, now);
      const [seconds] = await closeDueStatements(db, b, defaultPlan, now);
      // 61 s → 2 min, 30 s → 1 min: 3 minutes, 2 past the included one, 0.20.
      expect(minutes).toMatchObject({ usedSeconds: 180, total: "0.2000", status: "open" });
      expect(minutes?.lines.find((l) => l.kind === "overage")).toMatchObject({ quantity: "2", amount: "0.20" });
      // 91 s, 31 past the included minute: 0.5167 min × 0.10 = 0.0517 → 0.05.
      expect(seconds).toMatchObject({ usedSeconds: 91, total: "0.0500" });
      expect(seconds?.lines.find((l) => l.kind === "overage")).toMatchObject({ quantity: "0.5167", amount: "0.05" });
    });
  });

  it("gives a hard-stop plan's period no overage line, and a statement with nothing due is paid", async () => {
    await withDb(async (db) => {
      const hardStop = await ledgerPlan(db, { price: "0", includedMinutes: 1, overagePricePerMinute: null, rounding: "per_call_minute" });
      const spaceId = await ledgerSpace(db, { plan: hardStop, timeZone: "UTC", startedAt: new Date("2005-03-01T00:00:00Z") });
      // A call is never cut: it ran 2.5 minutes past a 1-minute allowance.
      await endedSession(db, spaceId, "2005-03-05T10:00:00Z", 150);
      const written = await closeDueStatements(db, spaceId, defaultPlan, new Date("2005-05-01T00:00:00Z"));
      // March had usage; April had neither usage nor a fee.
      expect(written).toHaveLength(1);
      expect(written[0]).toMatchObject({ usedSeconds: 180, total: "0.0000", status: "paid" });
      expect(written[0]?.lines.map((l) => l.kind)).toEqual(["subscription", "included_minutes"]);
    });
  });

  it("writes a period once: a second close, a concurrent one, and later usage of the closed period change nothing", async () => {
    const plan = await withDb((db) => ledgerPlan(db, { price: "20", includedMinutes: 0, overagePricePerMinute: "0.60", rounding: "per_second" }));
    const spaceId = await withDb((db) => ledgerSpace(db, { plan, timeZone: "Europe/Berlin", startedAt: new Date("2006-06-03T00:00:00Z") }));
    await withDb((db) => endedSession(db, spaceId, "2006-06-20T10:00:00Z", 100));
    const now = new Date("2006-08-05T00:00:00Z");
    // Two closes at once on their own connections (a listing and the cron).
    const [one, two] = await Promise.all([withDb((db) => closeDueStatements(db, spaceId, defaultPlan, now)), withDb((db) => closeDueStatements(db, spaceId, defaultPlan, now))]);
    expect((one?.length ?? 0) + (two?.length ?? 0)).toBe(2);
    const before = await withDb((db) => statementsOf(db, spaceId));
    expect(before.map((s) => [s.periodStart.toISOString(), s.usedSeconds, s.total])).toEqual([
      ["2006-05-31T22:00:00.000Z", 100, "21.0000"],
      // July: the fee alone.
      ["2006-06-30T22:00:00.000Z", 0, "20.0000"],
    ]);
    // A session of June recorded after June's statement was written.
    await withDb((db) => endedSession(db, spaceId, "2006-06-25T10:00:00Z", 600));
    expect(await withDb((db) => closeDueStatements(db, spaceId, defaultPlan, now))).toEqual([]);
    expect(await withDb((db) => statementsOf(db, spaceId))).toEqual(before);
  });

  it("bills the plan of the period's latest usage, and a fee-only period on the plan in effect then", async () => {
    await withDb(async (db) => {
      const basic = await ledgerPlan(db, { name: "Basic", price: "10", includedMinutes: 10, overagePricePerMinute: "0.10" });
      const bigger = await ledgerPlan(db, { name: "Bigger", price: "30", includedMinutes: 100, overagePricePerMinute: "0.05" });
      const spaceId = await ledgerSpace(db, { plan: basic, timeZone: "UTC", startedAt: new Date("2007-01-01T00:00:00Z") });
      await endedSession(db, spaceId, "2007-01-05T10:00:00Z", 60);
      // Changed at once in the middle of January: the rest of January counts on Bigger.
      await db.update(subscriptions).set({ planId: bigger.id }).where(eq(subscriptions.spaceId, spaceId));
      await endedSession(db, spaceId, "2007-01-20T10:00:00Z", 60);
      // Back to Basic from March (a change chosen for the end of February, not yet applied by anyone).
      await db.update(subscriptions).set({ pendingPlanId: basic.id, pendingEffectiveAt: new Date("2007-03-01T00:00:00Z") }).where(eq(subscriptions.spaceId, spaceId));
      const written = await closeDueStatements(db, spaceId, defaultPlan, new Date("2007-04-02T00:00:00Z"));
      expect(written.map((s) => [s.periodStart.toISOString().slice(0, 7), s.planName, s.usedSeconds, s.total])).toEqual([
        ["2007-01", "Bigger", 120, "30.0000"],
        ["2007-02", "Bigger", 0, "30.0000"],
        ["2007-03", "Basic", 0, "10.0000"],
      ]);
    });
  });

  it("leaves the current period, a period within the grace after its end, and a default-plan space's unused periods open", async () => {
    await withDb(async (db) => {
      const plan = await ledgerPlan(db, { price: "10", includedMinutes: 0, overagePricePerMinute: "0.10" });
      const spaceId = await ledgerSpace(db, { plan, timeZone: "UTC", startedAt: new Date("2008-01-15T00:00:00Z") });
      const end = new Date("2008-02-01T00:00:00Z").getTime();
      expect(await closeDueStatements(db, spaceId, defaultPlan, new Date(end - 1))).toEqual([]);
      expect(await closeDueStatements(db, spaceId, defaultPlan, new Date(end + closeGraceMs - 1))).toEqual([]);
      expect(await closeDueStatements(db, spaceId, defaultPlan, new Date(end + closeGraceMs))).toHaveLength(1);
      // No subscription row: the default plan (Scale, with a fee) bills the months it was used only.
      const implicit = await ledgerSpace(db);
      await endedSession(db, implicit, "2008-01-20T10:00:00Z", 60);
      const written = await closeDueStatements(db, implicit, defaultPlan, new Date("2008-05-01T00:00:00Z"));
      expect(written.map((s) => [s.periodStart.toISOString(), s.planName, s.usedSeconds])).toEqual([["2008-01-01T00:00:00.000Z", "Scale", 60]]);
      // A space with neither usage nor a subscription has nothing to close.
      expect(await closeDueStatements(db, await ledgerSpace(db), defaultPlan, new Date("2008-05-01T00:00:00Z"))).toEqual([]);
    });
  });
});
