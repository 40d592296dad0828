// What the space's plan lets it do. Dispatch: a session is admitted in the transaction that inserts
// its row, under an advisory lock on the space, so sessions racing for the last slot (or the last
// minute) are decided one at a time and never exceed the plan: 402 minutes_exhausted on a hard-stop
// plan whose included minutes are spent, 429 concurrency_limit when the space's live sessions fill
// the plan's concurrentCalls. Creation: 403 plan_limit when a feature is off or a count is full
// (existing resources over a lowered limit keep working; only creating more is refused).
import type { Context } from "hono";
import { count, eq, sql } from "drizzle-orm";
import type { PlanFeatures } from "@speaknode/contracts";
import { agents, campaigns, phoneNumbers, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import type { Db, PlanRow } from "./plans.ts";
import { billingStateOf, type BillingState } from "./subscription.ts";
import { liveSessionsSql, usedSecondsSql } from "./usage.ts";

/** Retry-After of a concurrency refusal: sessions last minutes, not seconds. */
export const concurrencyRetryAfterS = 30;

function minutes(seconds: number): string {
  const m = seconds / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}

/**
 * Inserts a session's row (channel ≠ test) if the plan admits it. The plan is read first, outside
 * the transaction (a plan change racing a dispatch is not what the lock orders); then, under an
 * advisory lock on the space held until the row commits, one read of the period's used seconds and
 * the live sessions, and the insert. Sessions racing for the last slot (or the last minute) are so
 * decided one at a time, and a refused one leaves no row. A call in progress is never cut: only
 * new sessions are refused. A plan with overage and no concurrency limit takes no lock.
 */
export async function insertAdmittedSession(db: Database, spaceId: string, defaultPlanCode: string, insert: (tx: Db) => Promise<unknown>, now: Date = new Date()): Promise<void> {
  const state = await billingStateOf(db, spaceId, defaultPlanCode, now);
  if (state.plan.overagePricePerMinute !== null && state.plan.limits.concurrentCalls === null) {
    await insert(db);
    return;
  }
  await db.transaction(async (tx) => {
    await admitSession(tx, spaceId, defaultPlanCode, now, state);
    await insert(tx);
  });
}

/**
 * The check of insertAdmittedSession, inside the transaction that inserts the row: the lock, then
 * 402 minutes_exhausted / 429 concurrency_limit. `state`: the plan read already (else read here).
 */
export async function admitSession(tx: Db, spaceId: string, defaultPlanCode: string, now: Date = new Date(), known?: BillingState): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`billing.admission:${spaceId}`}, 0))`);
  const state = known ?? (await billingStateOf(tx, spaceId, defaultPlanCode, now));
  const { plan } = state;
  const hardStop = plan.overagePricePerMinute === null;
  const max = plan.limits.concurrentCalls;
  if (!hardStop && max === null) return;
  // Both figures in one round trip: the lock is held (and, locally, the database) until the insert commits.
  const [row] = await tx
    .select({ used: hardStop ? usedSecondsSql(spaceId, state.period.start) : sql<null>`null`, live: max !== null ? liveSessionsSql(spaceId) : sql<null>`null` })
    .from(sql`(select 1) as one`);
  if (hardStop) {
    const included = plan.includedMinutes * 60;
    const used = Number(row?.used ?? 0);
    if (used >= included) {
      throw new ApiError(
        "minutes_exhausted",
        `the ${plan.name} plan includes ${plan.includedMinutes} voice minutes per period and this space has used ${minutes(used)} minutes this period; no new session can start until ${state.period.end.toISOString()} unless the space changes plan`,
      );
    }
  }
  if (max !== null) {
    const live = Number(row?.live ?? 0);
    if (live >= max) {
      throw new ApiError("concurrency_limit", `the ${plan.name} plan allows ${max} concurrent sessions (concurrentCalls); this space has ${live} live; try again when one ends`, {
        headers: { "retry-after": String(concurrencyRetryAfterS) },
      });
    }
  }
}

export type PlanCheck = { feature: keyof PlanFeatures } | { limit: "agents" | "phoneNumbers" | "campaigns"; adding?: number };

const featureNames: Record<keyof PlanFeatures, string> = {
  telephony: "telephony (phone numbers, telephony connections and calls)",
  campaigns: "campaigns",
  byoProviderKeys: "the space's own provider keys (byoProviderKeys)",
};

const limitNouns: Record<"agents" | "phoneNumbers" | "campaigns", string> = { agents: "agents", phoneNumbers: "phone numbers", campaigns: "campaigns" };

async function countOf(db: Db, spaceId: string, limit: "agents" | "phoneNumbers" | "campaigns"): Promise<number> {
  const table = limit === "agents" ? agents : limit === "phoneNumbers" ? phoneNumbers : campaigns;
  const [row] = await db.select({ n: count() }).from(table).where(eq(table.spaceId, spaceId));
  return row?.n ?? 0;
}

/** The refusal (403 plan_limit) of a feature the plan does not include. */
function featureRefused(plan: Pick<PlanRow, "name">, feature: keyof PlanFeatures): ApiError {
  return new ApiError("plan_limit", `the ${plan.name} plan does not include ${featureNames[feature]}; change plan to use it`);
}

/** 403 plan_limit unless the space's plan includes the feature, or leaves room for `adding` (1)
 *  more; several checks read the plan once. */
export async function requirePlanAllows(db: Db, spaceId: string, defaultPlanCode: string, check: PlanCheck | PlanCheck[]): Promise<void> {
  const { plan } = await billingStateOf(db, spaceId, defaultPlanCode);
  for (const one of Array.isArray(check) ? check : [check]) {
    if ("feature" in one) {
      if (!plan.features[one.feature]) throw featureRefused(plan, one.feature);
      continue;
    }
    const max = plan.limits[one.limit];
    if (max === null) continue;
    const has = await countOf(db, spaceId, one.limit);
    if (has + (one.adding ?? 1) > max) {
      throw new ApiError("plan_limit", `the ${plan.name} plan allows ${max} ${limitNouns[one.limit]}; this space has ${has}`);
    }
  }
}

/** requirePlanAllows for a request (its database and the configured default plan). */
export function requirePlan(c: Context<AppEnv>, spaceId: string, check: PlanCheck | PlanCheck[]): Promise<void> {
  return requirePlanAllows(c.get("db"), spaceId, c.get("config").billing.defaultPlan, check);
}
