// Test fixtures of the ledger's tests (tests only): a plan, a space on it in a time zone, and
// sessions ended and recorded as the SessionRoom records them.
import { newId, type CreatePlanBody } from "@speaknode/contracts";
import { plans, sessions, spaces, subscriptions, type Database } from "@speaknode/db";
import type { PlanRow } from "../plans.ts";
import { recordSessionUsage } from "../usage.ts";

/** The workers tests' BILLING_DEFAULT_PLAN. */
export const defaultPlan = "scale";

export type PlanFields = Pick<CreatePlanBody, "price" | "includedMinutes" | "overagePricePerMinute"> & { rounding?: CreatePlanBody["rounding"]; name?: string };

export async function ledgerPlan(db: Database, fields: PlanFields): Promise<PlanRow> {
  const code = `ledger-${crypto.randomUUID().slice(0, 8)}`;
  const [row] = await db
    .insert(plans)
    .values({
      id: newId("plan"),
      code,
      name: fields.name ?? code,
      currency: "USD",
      interval: "monthly",
      price: fields.price,
      includedMinutes: fields.includedMinutes,
      overagePricePerMinute: fields.overagePricePerMinute,
      rounding: fields.rounding ?? "per_second",
      features: { telephony: true, campaigns: true, byoProviderKeys: true },
      limits: { agents: null, phoneNumbers: null, concurrentCalls: null, campaigns: null },
    })
    .returning();
  if (!row) throw new Error("plan not created");
  return row;
}

export async function ledgerSpace(db: Database, subscription?: { plan: PlanRow; timeZone: string; startedAt: Date }): Promise<string> {
  const spaceId = newId("space");
  await db.insert(spaces).values({ id: spaceId, name: "Ledger space" });
  if (subscription) {
    await db.insert(subscriptions).values({ spaceId, planId: subscription.plan.id, timeZone: subscription.timeZone, startedAt: subscription.startedAt });
  }
  return spaceId;
}

/** A session that was Active for `seconds` and ended at `endedAt`, recorded as the SessionRoom does. */
export async function endedSession(db: Database, spaceId: string, endedAt: string, seconds: number): Promise<void> {
  const id = newId("session");
  const end = new Date(endedAt);
  await db.insert(sessions).values({ id, spaceId, channel: "api", language: "en-US", mediaDriver: "local", status: "completed", startedAt: new Date(end.getTime() - seconds * 1000), endedAt: end });
  if (!(await recordSessionUsage(db, id, defaultPlan))) throw new Error("usage not recorded");
}

