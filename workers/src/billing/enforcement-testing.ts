// Test helpers of the plan's enforcement (tests only): a space on a fresh plan of its own (a random
// code, so tests never share or change the seeded plans), and voice minutes already spent in the
// current period (a usage record as the SessionRoom writes one, for a session that never existed).
import { newId } from "@speaknode/contracts";
import { plans, subscriptions, usageRecords } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";
import { periodAt } from "./periods.ts";
import type { PlanRow } from "./plans.ts";

export interface PlanShape {
  name?: string;
  includedMinutes?: number;
  /** null: a hard stop once the included minutes are spent. */
  overagePricePerMinute?: string | null;
  features?: Partial<PlanRow["features"]>;
  limits?: Partial<PlanRow["limits"]>;
}

/** A new plan (everything allowed and unlimited unless overridden), and the space on it from now. */
export async function onOwnPlan(spaceId: string, shape: PlanShape = {}): Promise<PlanRow> {
  const id = newId("plan");
  return withDb(async (db) => {
    const [plan] = await db
      .insert(plans)
      .values({
        id,
        code: `test-${id.slice(4).toLowerCase()}`,
        name: shape.name ?? "Test",
        currency: "USD",
        interval: "monthly",
        price: "0",
        includedMinutes: shape.includedMinutes ?? 1000,
        overagePricePerMinute: shape.overagePricePerMinute === undefined ? "0.05" : shape.overagePricePerMinute,
        rounding: "per_second",
        features: { telephony: true, campaigns: true, byoProviderKeys: true, ...shape.features },
        limits: { agents: null, phoneNumbers: null, concurrentCalls: null, campaigns: null, ...shape.limits },
      })
      .returning();
    if (!plan) throw new Error("plan insert returned no row");
    await db
      .insert(subscriptions)
      .values({ spaceId, planId: plan.id, timeZone: "UTC" })
      .onConflictDoUpdate({ target: subscriptions.spaceId, set: { planId: plan.id, pendingPlanId: null, pendingEffectiveAt: null, timeZone: "UTC" } });
    return plan;
  });
}

/** Records `seconds` billable seconds of the space in the current (UTC, monthly) period. */
export async function spendSeconds(spaceId: string, planId: string, seconds: number): Promise<void> {
  const now = new Date();
  const period = periodAt("monthly", "UTC", now);
  await withDb((db) =>
    db.insert(usageRecords).values({
      sessionId: newId("session"),
      spaceId,
      agentId: null,
      channel: "api",
      direction: null,
      startedAt: new Date(now.getTime() - seconds * 1000),
      endedAt: now,
      rawSeconds: seconds,
      billableSeconds: seconds,
      planId,
      periodStart: period.start,
    }),
  );
}
