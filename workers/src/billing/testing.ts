// Test helpers for billing (workerd tests only): move a space onto a plan, make a fresh plan.
import { sql } from "drizzle-orm";
import { newId, type CreatePlanBody } from "@speaknode/contracts";
import { plans, subscriptions } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";
import type { PlanRow } from "./plans.ts";

/** Puts the space on the plan with this code at once (an explicit subscription row, no pending change). */
export async function putSpaceOnPlan(spaceId: string, code: string, opts: { timeZone?: string } = {}): Promise<void> {
  await withDb(async (db) => {
    const [plan] = await db.select({ id: plans.id }).from(plans).where(sql`${plans.code} = ${code}`);
    if (!plan) throw new Error(`no plan with code ${code}`);
    const values = { planId: plan.id, pendingPlanId: null, pendingEffectiveAt: null, status: "active" as const, timeZone: opts.timeZone ?? "UTC" };
    await db
      .insert(subscriptions)
      .values({ spaceId, ...values })
      .onConflictDoUpdate({ target: subscriptions.spaceId, set: { ...values, updatedAt: sql`now()` } });
  });
}

/** A fresh plan with a random code: 60 included minutes, no overage, per-call minutes, everything allowed and unlimited unless overridden. */
export async function planFixture(overrides: Partial<CreatePlanBody> = {}): Promise<PlanRow> {
  const code = overrides.code ?? `test-${crypto.randomUUID().slice(0, 12)}`;
  const row = {
    id: newId("plan"),
    code,
    name: overrides.name ?? `Test ${code}`,
    description: overrides.description ?? "",
    currency: overrides.currency ?? "USD",
    interval: overrides.interval ?? "monthly",
    price: overrides.price ?? "0",
    includedMinutes: overrides.includedMinutes ?? 60,
    overagePricePerMinute: overrides.overagePricePerMinute === undefined ? null : overrides.overagePricePerMinute,
    rounding: overrides.rounding ?? "per_call_minute",
    features: overrides.features ?? { telephony: true, campaigns: true, byoProviderKeys: true },
    limits: overrides.limits ?? { agents: null, phoneNumbers: null, concurrentCalls: null, campaigns: null },
  };
  const [created] = await withDb((db) => db.insert(plans).values(row).returning());
  if (!created) throw new Error("plan fixture not written");
  return created;
}
