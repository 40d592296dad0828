// Closing the local ledger's periods: one immutable statement (an `invoices` row, source ledger)
// per space and ended period that had usage or a fee. Statements are written lazily when a space's
// invoices are listed and from the cron, never changed afterwards: usage recorded later for a
// closed period stays out of it (the period is skipped because its statement exists).
//
// Idempotence and numbering: a space's close runs in one transaction under an advisory lock of its
// own, and reads the statements already written inside it, so two closes at once (a listing and
// the cron) write each statement once and only the writer draws a number from
// billing_invoice_number_seq. The insert also does nothing on a conflict with
// invoices_ledger_period_uq as a backstop; a number drawn by a transaction that then rolls back is
// lost (sequences never go back), which leaves a gap in the numbers but never a duplicate.
import { and, eq, sql } from "drizzle-orm";
import { invoices, plans, subscriptions, usageRecords } from "@speaknode/db";
import { newId } from "@speaknode/contracts";
import { errorFields, log } from "../../lib/log.ts";
import type { InvoiceRow } from "../driver.ts";
import { localDay, periodAt, type Period } from "../periods.ts";
import { defaultPlanOf, planById, type Db, type PlanRow } from "../plans.ts";
import { compareMoney } from "../money.ts";
import { statementLines } from "./statement.ts";

/** A period closes this long after its end, so sessions that ended just before it are recorded first. */
export const closeGraceMs = 15 * 60_000;

/** The subscription as it stands, with a pending change not yet applied (billingStateOf applies it). */
interface SubscriptionView {
  plan: PlanRow;
  timeZone: string;
  /** null: no subscription row (the default plan): only periods with usage are billed. */
  startedAt: Date | null;
  pending: { plan: PlanRow; effectiveAt: Date } | null;
}

async function subscriptionView(db: Db, spaceId: string, defaultPlanCode: string): Promise<SubscriptionView> {
  const [sub] = await db.select().from(subscriptions).where(eq(subscriptions.spaceId, spaceId));
  if (!sub) return { plan: await defaultPlanOf(db, defaultPlanCode), timeZone: "UTC", startedAt: null, pending: null };
  const plan = await planById(db, sub.planId);
  if (!plan) throw new Error("the subscription's plan does not exist");
  const pendingPlan = sub.pendingPlanId ? await planById(db, sub.pendingPlanId) : undefined;
  const pending = pendingPlan && sub.pendingEffectiveAt ? { plan: pendingPlan, effectiveAt: sub.pendingEffectiveAt } : null;
  return { plan, timeZone: sub.timeZone, startedAt: sub.startedAt, pending };
}

/** The subscription's plan for a period starting at `at`: a pending change counts from its effective time. */
function planFrom(view: SubscriptionView, at: Date): PlanRow {
  return view.pending && view.pending.effectiveAt.getTime() <= at.getTime() ? view.pending.plan : view.plan;
}

interface UsageGroup {
  periodStart: Date;
  seconds: number;
  /** The plan of the latest session of the group. */
  planId: string;
}

/** The space's billable seconds per recorded period, oldest first. */
async function usageGroups(db: Db, spaceId: string): Promise<UsageGroup[]> {
  const rows = await db
    .select({
      periodStart: usageRecords.periodStart,
      seconds: sql<string>`sum(${usageRecords.billableSeconds})`,
      planId: sql<string>`(array_agg(${usageRecords.planId} order by ${usageRecords.endedAt} desc))[1]`,
    })
    .from(usageRecords)
    .where(eq(usageRecords.spaceId, spaceId))
    .groupBy(usageRecords.periodStart)
    .orderBy(usageRecords.periodStart);
  return rows.map((r) => ({ periodStart: r.periodStart, seconds: Number(r.seconds), planId: r.planId }));
}

const within = (at: Date, p: Period) => at.getTime() >= p.start.getTime() && at.getTime() < p.end.getTime();

/**
 * Writes the statements of the space's ended periods that have none yet, oldest first, and returns
 * them. The periods run in the subscription's time zone from the earlier of its start and the
 * first recorded usage. A period is billed when it has usage (on the plan of its latest usage row,
 * the plan the space was on when that session ended) or, from the subscription's start, when the
 * subscription's plan then has a fee. A space without a subscription row (the default plan, never
 * chosen) is billed only for periods it used. Usage rows are placed by the period start they were
 * recorded with, so the minutes check and the statement agree (after a time zone change, a row
 * goes to the period that contains its recorded start).
 */
export async function closeDueStatements(db: Db, spaceId: string, defaultPlanCode: string, now: Date = new Date()): Promise<InvoiceRow[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`billing.ledger:${spaceId}`}, 0))`);
    const view = await subscriptionView(tx, spaceId, defaultPlanCode);
    const groups = await usageGroups(tx, spaceId);
    const firstUsage = groups[0]?.periodStart;
    const anchors = [view.startedAt, firstUsage].filter((d): d is Date => d !== null && d !== undefined);
    if (anchors.length === 0) return [];
    const closed = await tx.select({ periodStart: invoices.periodStart }).from(invoices).where(and(eq(invoices.spaceId, spaceId), eq(invoices.source, "ledger")));
    const plansById = new Map<string, PlanRow>();
    const planOf = async (id: string): Promise<PlanRow> => {
      let plan = plansById.get(id);
      if (!plan) {
        plan = await planById(tx, id);
        if (!plan) throw new Error("a usage row's plan does not exist");
        plansById.set(id, plan);
      }
      return plan;
    };
    const closeBefore = now.getTime() - closeGraceMs;
    const written: InvoiceRow[] = [];
    let at = new Date(Math.min(...anchors.map((d) => d.getTime())));
    for (;;) {
      const period = periodAt(planFrom(view, at).interval, view.timeZone, at);
      if (period.end.getTime() > closeBefore || period.end.getTime() <= at.getTime()) break;
      at = period.end;
      if (closed.some((c) => within(c.periodStart, period))) continue;
      const inPeriod = groups.filter((g) => within(g.periodStart, period));
      const seconds = inPeriod.reduce((sum, g) => sum + g.seconds, 0);
      const latest = inPeriod.at(-1);
      let plan: PlanRow;
      if (seconds > 0 && latest) plan = await planOf(latest.planId);
      else if (view.startedAt && period.end.getTime() > view.startedAt.getTime()) plan = planFrom(view, period.start);
      else continue;
      if (seconds === 0 && compareMoney(plan.price, "0") <= 0) continue;
      const row = await insertStatement(tx, spaceId, period, localDay(period.start, view.timeZone).slice(0, 4), plan, seconds, now);
      if (row) written.push(row);
    }
    return written;
  });
}

async function insertStatement(tx: Db, spaceId: string, period: Period, year: string, plan: PlanRow, usedSeconds: number, now: Date): Promise<InvoiceRow | undefined> {
  const { lines, total } = statementLines(plan, usedSeconds);
  // The number is drawn in the insert itself: SN-<year of the period start>-<6 digits at least>.
  const number = sql<string>`(select 'SN-' || ${year} || '-' || lpad(n.v::text, greatest(6, length(n.v::text)), '0') from (select nextval('billing_invoice_number_seq') as v) n)`;
  const [row] = await tx
    .insert(invoices)
    .values({
      id: newId("invoice", now.getTime()),
      spaceId,
      source: "ledger",
      number,
      status: compareMoney(total, "0") === 0 ? "paid" : "open",
      periodStart: period.start,
      periodEnd: period.end,
      currency: plan.currency,
      planId: plan.id,
      planName: plan.name,
      lines,
      usedSeconds,
      total,
      issuedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  return row;
}

/** Spaces the cron closes at most per run; the rest wait for the next run. */
export const closeBatchLimit = 200;
/** How far back the cron looks for unclosed usage (a listing closes anything older). */
const lookbackDays = 400;
/** No calendar month is shorter (a DST change included), so a period started more recently is still open. */
const shortestPeriodDays = 27;

export interface CloseAllResult {
  spaces: number;
  written: number;
  failed: number;
}

/**
 * The cron's close: spaces with billable usage in a period that may have ended and has no
 * statement, and spaces whose explicit subscription is on a paid plan without a statement that
 * ended recently. Each space closes on its own (closeDueStatements decides exactly what is due);
 * one failing is logged and does not stop the others. The candidates are a superset: a yearly
 * period, a paid subscription's first month, or usage recorded before a time zone change can make
 * a space a candidate on runs that then write nothing (one cheap close each).
 */
export async function closeAllDueStatements(db: Db, defaultPlanCode: string, now: Date = new Date()): Promise<CloseAllResult> {
  const recent = new Date(now.getTime() - shortestPeriodDays * 86_400_000);
  const oldest = new Date(now.getTime() - lookbackDays * 86_400_000);
  const candidates = await db.execute<{ space_id: string }>(sql`
    select space_id from (
      select u.space_id from usage_records u
      where u.period_start >= ${oldest.toISOString()} and u.period_start < ${recent.toISOString()} and u.billable_seconds > 0
        and not exists (select 1 from ${invoices} i where i.space_id = u.space_id and i.source = 'ledger' and i.period_start = u.period_start)
      union
      select s.space_id from ${subscriptions} s
      join ${plans} p on p.id = s.plan_id or p.id = s.pending_plan_id
      where p.price > 0 and s.started_at < ${new Date(now.getTime() - closeGraceMs).toISOString()}
        and not exists (select 1 from ${invoices} i where i.space_id = s.space_id and i.source = 'ledger' and i.period_end > ${recent.toISOString()})
    ) due order by space_id limit ${closeBatchLimit}`);
  const result: CloseAllResult = { spaces: candidates.rows.length, written: 0, failed: 0 };
  for (const { space_id: spaceId } of candidates.rows) {
    try {
      result.written += (await closeDueStatements(db, spaceId, defaultPlanCode, now)).length;
    } catch (err) {
      result.failed += 1;
      log.error("ledger statements of a space could not be closed; the next run retries", { spaceId, ...errorFields(err) });
    }
  }
  return result;
}
