import { describe, expect, it } from "vitest";
import { withDb } from "../../../test/helpers.ts";
import { billingStateOf } from "../subscription.ts";
import { ledgerDriver } from "./driver.ts";
import { defaultPlan, endedSession, ledgerPlan, ledgerSpace } from "./testing.ts";

describe("ledgerDriver", () => {
  it("lists a space's statements newest first, closing the ended periods before it lists", async () => {
    await withDb(async (db) => {
      const plan = await ledgerPlan(db, { price: "9", includedMinutes: 5, overagePricePerMinute: "0.20" });
      const spaceId = await ledgerSpace(db, { plan, timeZone: "America/Sao_Paulo", startedAt: new Date("2009-01-05T00:00:00Z") });
      await endedSession(db, spaceId, "2009-02-10T12:00:00Z", 420);
      const listed = await ledgerDriver.listInvoices(db, spaceId, defaultPlan, new Date("2009-03-20T00:00:00Z"));
      expect(listed.map((i) => [i.periodStart.toISOString().slice(0, 10), i.usedSeconds, i.total, i.status])).toEqual([
        ["2009-02-01", 420, "9.4000", "open"],
        ["2009-01-01", 0, "9.0000", "open"],
      ]);
      // Listing again writes nothing new.
      const again = await ledgerDriver.listInvoices(db, spaceId, defaultPlan, new Date("2009-03-21T00:00:00Z"));
      expect(again).toEqual(listed);
    });
  });

  it("has no payment portal, syncs nothing on a plan change, and reports the local usage as the ledger's", async () => {
    await withDb(async (db) => {
      const plan = await ledgerPlan(db, { price: "0", includedMinutes: 5, overagePricePerMinute: null });
      const spaceId = await ledgerSpace(db, { plan, timeZone: "UTC", startedAt: new Date() });
      expect(await ledgerDriver.portalUrl(db, spaceId)).toBeNull();
      await expect(ledgerDriver.planChanging(db, spaceId, plan, "now")).resolves.toBeUndefined();
      const state = await billingStateOf(db, spaceId, defaultPlan);
      const local = {
        periodStart: state.period.start.toISOString(),
        periodEnd: state.period.end.toISOString(),
        usedSeconds: 90,
        usedMinutes: 1.5,
        includedMinutes: 5,
        remainingMinutes: 3.5,
        overageMinutes: 0,
        overageAmount: "0.00",
        projectedMinutes: 4,
        liveSessions: 0,
        concurrentLimit: null,
        byDay: [],
        byAgent: [],
      };
      expect(await ledgerDriver.currentUsage(db, state, local)).toEqual({ ...local, source: "ledger" });
    });
  });
});
