// What the space's plan lets it do. Dispatch: a session is admitted in the transaction that inserts
// its row, under an advisory lock on the space, so sessions racing for the last slot (or the last
// minute) are decided one at a time and never exceed the plan: 402 minutes_exhausted on a hard-stop
// plan whose included minutes are spent, 429 concurrency_limit when the space's live sessions fill
// the plan's concurrentCalls. Creation: 403 plan_limit when a feature is off or a count is full
// (existing resources over a lowered limit keep working; only creating more is refused).
import type { Context } from "hono";
import { count, eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PlanFeatures } from "@speaknode/contracts";
import { agents, campaigns, phoneNumbers, sessions, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import type { Db, PlanRow } from "./plans.ts";
import { billingStateOf, type BillingState } from "./subscription.ts";
import { liveSessionsSql, usedSecondsSql } from "./usage.ts";
import { runInOneMessage } from "../lib/one-message.ts";

/** Retry-After of a concurrency refusal: sessions last minutes, not seconds. */
export const concurrencyRetryAfterS = 30;

function minutes(seconds: number): string {
  const m = seconds / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}

/**
 * Inserts a session's row (channel ≠ test) if the plan admits it. The plan is read first, outside
 * the lock (a plan change racing a dispatch is not what the lock orders); then, under an advisory
 * lock on the space held until the row commits, one read of the period's used seconds and the live
 * sessions, and the insert if they leave room. Sessions racing for the last slot (or the last
 * minute) are so decided one at a time, and a refused one leaves no row. A call in progress is
 * never cut: only new sessions are refused. A plan with overage and no concurrency limit takes no lock.
 *
 * The lock, the check and the insert travel as one message (admitAndInsertSql): the lock is held
 * for the server's work alone, not for three round trips between the Worker and the database,
 * which under concurrent dispatches of one space was the queue every dispatch waited in.
 */
export async function insertAdmittedSession(db: Database, spaceId: string, defaultPlanCode: string, values: SessionInsert, now: Date = new Date(), known?: BillingState): Promise<void> {
  const state = known ?? (await billingStateOf(db, spaceId, defaultPlanCode, now));
  const { plan } = state;
  const hardStop = plan.overagePricePerMinute === null;
  const max = plan.limits.concurrentCalls;
  if (!hardStop && max === null) {
    await db.insert(sessions).values(values);
    return;
  }
  const used = hardStop ? usedSecondsSql(spaceId, state.period.start) : sql<null>`null`;
  const live = max !== null ? liveSessionsSql(spaceId) : sql<null>`null`;
  const room = sql`${hardStop ? sql`coalesce(figures.used, 0) < ${plan.includedMinutes * 60}` : sql`true`} and ${max !== null ? sql`figures.live < ${max}` : sql`true`}`;
  const [figures] = await runInOneMessage(db, admitAndInsertSql(spaceId, used, live, room, values));
  if (!figures) throw new Error("the admission query returned no row");
  if (Number(figures["inserted"]) === 1) return;
  refuse(state, { used: Number(figures["used"] ?? 0), live: Number(figures["live"] ?? 0) });
  throw new Error("the admission inserted no row yet found room for it");
}

/**
 * The check of a dispatch inside a transaction the caller holds: the lock, then 402
 * minutes_exhausted / 429 concurrency_limit. `state`: the plan read already (else read here).
 */
export async function admitSession(tx: Db, spaceId: string, defaultPlanCode: string, now: Date = new Date(), known?: BillingState): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${admissionLockKey(spaceId)})`);
  const state = known ?? (await billingStateOf(tx, spaceId, defaultPlanCode, now));
  const { plan } = state;
  const hardStop = plan.overagePricePerMinute === null;
  const max = plan.limits.concurrentCalls;
  if (!hardStop && max === null) return;
  // Both figures in one round trip: the lock is held (and, locally, the database) until the insert commits.
  const [row] = await tx
    .select({ used: hardStop ? usedSecondsSql(spaceId, state.period.start) : sql<null>`null`, live: max !== null ? liveSessionsSql(spaceId) : sql<null>`null` })
    .from(sql`(select 1) as one`);
  refuse(state, { used: Number(row?.used ?? 0), live: Number(row?.live ?? 0) });
}

function admissionLockKey(spaceId: string) {
  return sql`hashtextextended(${`billing.admission:${spaceId}`}, 0)`;
}

/** Throws the plan's refusal when the figures leave no room; returns when they do. */
function refuse(state: BillingState, figures: { used: number; live: number }): void {
  const { plan } = state;
  if (plan.overagePricePerMinute === null && figures.used >= plan.includedMinutes * 60) {
    throw new ApiError(
      "minutes_exhausted",
      `the ${plan.name} plan includes ${plan.includedMinutes} voice minutes per period and this space has used ${minutes(figures.used)} minutes this period; no new session can start until ${state.period.end.toISOString()} unless the space changes plan`,
    );
  }
  const max = plan.limits.concurrentCalls;
  if (max !== null && figures.live >= max) {
    throw new ApiError("concurrency_limit", `the ${plan.name} plan allows ${max} concurrent sessions (concurrentCalls); this space has ${figures.live} live; try again when one ends`, {
      headers: { "retry-after": String(concurrencyRetryAfterS) },
    });
  }
}

/**
 * Two statements in one simple-protocol message, which Postgres runs as one implicit transaction:
 * the space's advisory lock, then (with a snapshot taken after the lock was granted, so every row a
 * racing dispatch committed is counted) the figures and the row's insert when they leave room.
 * The row travels as one JSON literal read by jsonb_populate_record, so the columns keep their
 * types and the columns not given keep their defaults.
 */
function admitAndInsertSql(spaceId: string, used: SQL, live: SQL, room: SQL, values: SessionInsert): SQL[] {
  const columns = getTableColumns(sessions);
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const column = columns[key as keyof typeof columns];
    if (!column) throw new Error(`sessions has no column ${key}`);
    if (value !== undefined) row[column.name] = value;
  }
  const names = Object.keys(row).map((name) => sql.identifier(name));
  const picked = Object.keys(row).map((name) => sql`r.${sql.identifier(name)}`);
  return [
    sql`select pg_advisory_xact_lock(${admissionLockKey(spaceId)})`,
    sql`with figures as (select ${used} as used, ${live} as live),
      inserted as (
        insert into ${sessions} (${sql.join(names, sql`, `)})
        select ${sql.join(picked, sql`, `)} from figures, jsonb_populate_record(null::${sessions}, ${JSON.stringify(row)}::jsonb) as r
        where ${room}
        returning 1
      )
      select figures.used, figures.live, (select count(*)::int from inserted) as inserted from figures`,
  ];
}

export type SessionInsert = typeof sessions.$inferInsert;

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
