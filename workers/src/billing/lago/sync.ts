// Keeps a space's Lago customer and subscription in step with its plan here. A space becomes a
// Lago customer lazily: the first usage event (or plan change) of a space creates its customer and
// its subscription (both `external_id` = space id, calendar billing). The subscription row remembers
// the plan code Lago was last given (`lago_plan_code`), so later events cost no extra call.
//
// The code Lago should have is the pending plan's when a change at the period's end is chosen:
// Lago itself applies a downgrade at the end of the period (and an upgrade at once), so sending the
// current plan again would cancel the change at Lago.
import { eq, sql } from "drizzle-orm";
import { spaces, subscriptions } from "@speaknode/db";
import { billingStateOf, type Db } from "../subscription.ts";
import type { PlanRow } from "../plans.ts";
import type { LagoClient } from "./client.ts";

/**
 * Sets the space's Lago subscription to `plan` (creating the customer first) and records it on the
 * subscription row; `currentPlanId` makes the row when the space has none (null: only an existing
 * row is updated, as before a plan change, which writes the row itself).
 */
export async function pushLagoSubscription(db: Db, client: LagoClient, spaceId: string, plan: PlanRow, currentPlanId: string | null): Promise<void> {
  const [space] = await db.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, spaceId));
  await client.upsertCustomer(spaceId, space?.name ?? spaceId);
  await client.upsertSubscription(spaceId, plan.code);
  const synced = { lagoPlanCode: plan.code, lagoSyncedAt: new Date() };
  if (currentPlanId === null) {
    await db.update(subscriptions).set(synced).where(eq(subscriptions.spaceId, spaceId));
    return;
  }
  await db
    .insert(subscriptions)
    .values({ spaceId, planId: currentPlanId, ...synced })
    .onConflictDoUpdate({ target: subscriptions.spaceId, set: { ...synced, updatedAt: sql`now()` } });
}

/** Makes sure Lago has the space's customer and subscription on its plan before an event names it. */
export async function ensureLagoSubscription(db: Db, client: LagoClient, spaceId: string, defaultPlanCode: string): Promise<void> {
  const state = await billingStateOf(db, spaceId, defaultPlanCode);
  const target = state.pending?.plan ?? state.plan;
  const [row] = await db.select({ code: subscriptions.lagoPlanCode, at: subscriptions.lagoSyncedAt }).from(subscriptions).where(eq(subscriptions.spaceId, spaceId));
  if (row?.at && row.code === target.code) return;
  await pushLagoSubscription(db, client, spaceId, target, state.plan.id);
}
