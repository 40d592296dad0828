// A space's subscription: its plan, status and time zone, the current period, and a plan change
// chosen for the end of the period. A space without a subscription row is on the default plan
// (BILLING_DEFAULT_PLAN) in UTC. A pending change is applied lazily: the first read after its
// effective time moves it onto the row (usage.ts also honours it in SQL for sessions ending after
// it, whether or not anyone has read the state since).
import { and, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { ChangeSubscriptionBody, Subscription } from "@speaknode/contracts";
import { plans, subscriptions } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { periodAt, type Period } from "./periods.ts";
import { defaultPlanOf, planById, toPlan, type Db, type PlanRow } from "./plans.ts";

export type { Db };

export interface BillingState {
  spaceId: string;
  plan: PlanRow;
  status: "active" | "past_due" | "canceled";
  timeZone: string;
  period: Period;
  pending: { plan: PlanRow; effectiveAt: Date } | null;
  /** False while the space has no subscription row (the default plan, never changed). */
  explicit: boolean;
}

/** A subscription's pending plan, and the default plan a space without one is on (BILLING_DEFAULT_PLAN). */
export const pendingPlans = alias(plans, "pending_plans");
export const defaultPlans = alias(plans, "default_plans");

/**
 * The columns billingStateFrom needs, for a query that joins them itself (subscriptions by space,
 * plans and pendingPlans by id, defaultPlans by code): the dispatch route reads them with its
 * agent, one round trip instead of two.
 */
export const billingColumns = { sub: subscriptions, plan: plans, pendingPlan: pendingPlans, defaultPlan: defaultPlans };

/** What a query selecting billingColumns returns for one space (a left join's nulls included). */
export interface BillingRead {
  sub: typeof subscriptions.$inferSelect | null;
  plan: PlanRow | null;
  pendingPlan: PlanRow | null;
  defaultPlan: PlanRow | null;
}

export async function billingStateOf(db: Db, spaceId: string, defaultPlanCode: string, now: Date = new Date()): Promise<BillingState> {
  const [row] = await db
    .select({ sub: subscriptions, plan: plans, pendingPlan: pendingPlans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .leftJoin(pendingPlans, eq(pendingPlans.id, subscriptions.pendingPlanId))
    .where(eq(subscriptions.spaceId, spaceId));
  return billingStateFrom(db, spaceId, { sub: row?.sub ?? null, plan: row?.plan ?? null, pendingPlan: row?.pendingPlan ?? null, defaultPlan: null }, defaultPlanCode, now);
}

/**
 * The state from a read of billingColumns: the default plan when there is no subscription row
 * (read here only when the read did not join it), a pending change applied when it is due.
 */
export async function billingStateFrom(db: Db, spaceId: string, row: BillingRead, defaultPlanCode: string, now: Date = new Date()): Promise<BillingState> {
  const { sub } = row;
  if (!sub || !row.plan) {
    const plan = row.defaultPlan ?? (await defaultPlanOf(db, defaultPlanCode));
    return { spaceId, plan, status: "active", timeZone: "UTC", period: periodAt(plan.interval, "UTC", now), pending: null, explicit: false };
  }
  let plan = row.plan;
  let pending = row.pendingPlan && sub.pendingEffectiveAt ? { plan: row.pendingPlan, effectiveAt: sub.pendingEffectiveAt } : null;
  if (pending && pending.effectiveAt.getTime() <= now.getTime()) {
    // Conditional on the same pending change, so two readers applying it at once write it once,
    // and a change chosen meanwhile is not overwritten.
    await db
      .update(subscriptions)
      .set({ planId: pending.plan.id, pendingPlanId: null, pendingEffectiveAt: null, updatedAt: now })
      .where(and(eq(subscriptions.spaceId, spaceId), eq(subscriptions.pendingPlanId, pending.plan.id), eq(subscriptions.pendingEffectiveAt, pending.effectiveAt)));
    plan = pending.plan;
    pending = null;
  }
  return { spaceId, plan, status: sub.status, timeZone: sub.timeZone, period: periodAt(plan.interval, sub.timeZone, now), pending, explicit: true };
}

/**
 * Owner's plan change (the route checks the role and asks the billing driver first). `now`: the
 * plan applies at once to the current period; `period_end`: it becomes the pending plan, effective
 * at the end of the current period. Choosing the current plan with `period_end` cancels a pending
 * change. An unknown plan is 404, an archived one 409.
 */
export async function changePlan(db: Db, spaceId: string, body: ChangeSubscriptionBody, defaultPlanCode: string, now: Date = new Date()): Promise<BillingState> {
  const next = await planById(db, body.planId);
  if (!next) throw new ApiError("not_found", "no plan with this id");
  const current = await billingStateOf(db, spaceId, defaultPlanCode, now);
  if (next.archived && next.id !== current.plan.id) throw new ApiError("conflict", `the ${next.name} plan is archived and cannot be chosen`);
  const timeZone = body.timeZone ?? current.timeZone;
  const effective = body.effective ?? "now";
  const values =
    effective === "now" || next.id === current.plan.id
      ? { planId: next.id, pendingPlanId: null, pendingEffectiveAt: null }
      : { planId: current.plan.id, pendingPlanId: next.id, pendingEffectiveAt: periodAt(current.plan.interval, timeZone, now).end };
  await db
    .insert(subscriptions)
    .values({ spaceId, timeZone, status: "active", startedAt: now, ...values })
    .onConflictDoUpdate({ target: subscriptions.spaceId, set: { ...values, timeZone, updatedAt: sql`now()` } });
  return billingStateOf(db, spaceId, defaultPlanCode, now);
}

export function toSubscription(state: BillingState): Subscription {
  return {
    spaceId: state.spaceId,
    plan: toPlan(state.plan),
    status: state.status,
    timeZone: state.timeZone,
    currentPeriodStart: state.period.start.toISOString(),
    currentPeriodEnd: state.period.end.toISOString(),
    pending: state.pending ? { plan: toPlan(state.pending.plan), effectiveAt: state.pending.effectiveAt.toISOString() } : null,
    explicit: state.explicit,
  };
}
