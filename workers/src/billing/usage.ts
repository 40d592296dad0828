// Usage records: one row per billable session, written once when its row is written terminal, in
// the same transaction (the SessionRoom's write-through), keyed by the session id so a replayed end
// changes nothing. The row carries the plan in effect when the session ended and the start of the
// period it ended in. The figures of the current period (the Billing page, admission) read them.
import { inArray, ne, sql } from "drizzle-orm";
import type { BillingUsage } from "@speaknode/contracts";
import { sessions, usageRecords } from "@speaknode/db";
import { formatMoney, minuteCharge } from "./money.ts";
import { localDay } from "./periods.ts";
import type { Db } from "./plans.ts";
import type { BillingState } from "./subscription.ts";
import { liveStatuses } from "../telephony/call-limits.ts";

export type UsageRow = typeof usageRecords.$inferSelect;

type RecordedRow = {
  session_id: string;
  space_id: string;
  agent_id: string | null;
  channel: string;
  direction: string | null;
  started_ms: number | string;
  ended_ms: number | string;
  raw_seconds: number;
  billable_seconds: number;
  plan_id: string;
  period_start_ms: number | string;
  recorded_ms: number | string;
};

// created_at has microseconds: truncated to the millisecond in SQL, as the driver truncates it when it
// reads the column, so the row read back later equals what this returned (real Postgres showed a 1 ms
// difference when it was rounded here).
const ms = (v: number | string) => new Date(Math.round(Number(v)));

/**
 * Records the session's usage if it ended billable: terminal (completed or failed), Active at some
 * point (startedAt) with an end, and not a member's dashboard test. One statement on the session
 * end path (≤ 5 ms p50): the plan is the subscription's, or its pending plan when that took effect
 * before the session ended, or the default plan (by code) without a subscription row; the period
 * starts at local midnight on the 1st in the subscription's zone (UTC without one); the seconds
 * are rounded up, then by the plan's rule. Returns the new row, or null when there is nothing to
 * bill or it was recorded before.
 */
export async function recordSessionUsage(db: Db, sessionId: string, defaultPlanCode: string): Promise<UsageRow | null> {
  const result = await db.execute<RecordedRow>(sql`
    insert into usage_records (session_id, space_id, agent_id, channel, direction, started_at, ended_at, raw_seconds, billable_seconds, plan_id, period_start)
    select s.id, s.space_id, s.agent_id, s.channel::text, s.direction::text, s.started_at, s.ended_at, r.raw,
      case when p.rounding = 'per_call_minute' then (ceil(r.raw / 60.0) * 60)::int else r.raw end,
      p.id,
      date_trunc(case when p.interval = 'yearly' then 'year' else 'month' end, s.ended_at at time zone r.tz) at time zone r.tz
    from sessions s
    left join subscriptions sub on sub.space_id = s.space_id
    left join plans dp on sub.space_id is null and dp.code = ${defaultPlanCode}
    join plans p on p.id = coalesce(
      case when sub.pending_plan_id is not null and sub.pending_effective_at <= s.ended_at then sub.pending_plan_id else sub.plan_id end,
      dp.id)
    cross join lateral (select greatest(0, ceil(extract(epoch from (s.ended_at - s.started_at))))::int as raw, coalesce(sub.time_zone, 'UTC') as tz) r
    where s.id = ${sessionId} and s.status in ('completed', 'failed') and s.channel <> 'test'
      and s.started_at is not null and s.ended_at is not null
    on conflict (session_id) do nothing
    returning session_id, space_id, agent_id, channel, direction, raw_seconds, billable_seconds, plan_id,
      extract(epoch from started_at) * 1000 as started_ms, extract(epoch from ended_at) * 1000 as ended_ms,
      extract(epoch from period_start) * 1000 as period_start_ms, extract(epoch from date_trunc('milliseconds', created_at)) * 1000 as recorded_ms`);
  const r = result.rows[0];
  if (!r) return null;
  return {
    sessionId: r.session_id,
    spaceId: r.space_id,
    agentId: r.agent_id,
    channel: r.channel,
    direction: r.direction,
    startedAt: ms(r.started_ms),
    endedAt: ms(r.ended_ms),
    rawSeconds: Number(r.raw_seconds),
    billableSeconds: Number(r.billable_seconds),
    planId: r.plan_id,
    periodStart: ms(r.period_start_ms),
    recordedAt: ms(r.recorded_ms),
    lagoSentAt: null,
    lagoAttempts: 0,
    lagoLastError: null,
  };
}

/** SQL: billable seconds the space recorded in the period that starts at `periodStart` (null: none). */
export function usedSecondsSql(spaceId: string, periodStart: Date) {
  return sql<string | null>`(select sum(${usageRecords.billableSeconds}) from ${usageRecords} where ${usageRecords.spaceId} = ${spaceId} and ${usageRecords.periodStart} = ${periodStart})`;
}

/** Billable seconds the space recorded in the period that starts at `periodStart`. */
export async function usedSecondsInPeriod(db: Db, spaceId: string, periodStart: Date): Promise<number> {
  const [row] = await db.select({ seconds: usedSecondsSql(spaceId, periodStart) }).from(sql`(select 1) as one`);
  return Number(row?.seconds ?? 0);
}

/** SQL: the space's live sessions that count against its plan (pending, dispatching, active; tests aside). */
export function liveSessionsSql(spaceId: string) {
  return sql<number>`(select count(*)::int from ${sessions} where ${sessions.spaceId} = ${spaceId} and ${inArray(sessions.status, [...liveStatuses])} and ${ne(sessions.channel, "test")})`;
}

/** The space's live sessions that count against its plan. */
export async function liveSessionsOf(db: Db, spaceId: string): Promise<number> {
  const [row] = await db.select({ n: liveSessionsSql(spaceId) }).from(sql`(select 1) as one`);
  return Number(row?.n ?? 0);
}

const round = (n: number, decimals: number) => Math.round(n * 10 ** decimals) / 10 ** decimals;

/** The next calendar day of "YYYY-MM-DD". */
function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** An hour at least: a projection from the first minutes of a period would be noise. */
const minProjectionBaseMs = 3_600_000;

/** The current period's figures from the local usage records (the driver adds `source`). */
export async function usageOverview(db: Db, state: BillingState, now: Date = new Date()): Promise<Omit<BillingUsage, "source">> {
  const { plan, period, timeZone } = state;
  const [days, agentsUsage, live] = await Promise.all([
    // Grouped by position: the zone is a parameter, and two copies of it would be two expressions.
    db.execute<{ day: string; seconds: string; sessions: string }>(sql`
      select to_char(ended_at at time zone ${timeZone}, 'YYYY-MM-DD') as day, sum(billable_seconds) as seconds, count(*) as sessions
      from usage_records where space_id = ${state.spaceId} and period_start = ${period.start.toISOString()}
      group by 1`),
    db.execute<{ agent_id: string | null; agent_name: string | null; seconds: string; sessions: string }>(sql`
      select u.agent_id, a.name as agent_name, sum(u.billable_seconds) as seconds, count(*) as sessions
      from usage_records u left join agents a on a.id = u.agent_id
      where u.space_id = ${state.spaceId} and u.period_start = ${period.start.toISOString()}
      group by u.agent_id, a.name order by sum(u.billable_seconds) desc, u.agent_id`),
    liveSessionsOf(db, state.spaceId),
  ]);
  const perDay = new Map(days.rows.map((d) => [d.day, { seconds: Number(d.seconds), sessions: Number(d.sessions) }]));
  const byDay: BillingUsage["byDay"] = [];
  const lastDay = localDay(new Date(Math.min(now.getTime(), period.end.getTime() - 1)), timeZone);
  for (let day = localDay(period.start, timeZone); day <= lastDay; day = nextDay(day)) {
    const d = perDay.get(day);
    byDay.push({ day, seconds: d?.seconds ?? 0, sessions: d?.sessions ?? 0 });
  }
  const usedSeconds = [...perDay.values()].reduce((sum, d) => sum + d.seconds, 0);
  const includedSeconds = plan.includedMinutes * 60;
  const overSeconds = Math.max(0, usedSeconds - includedSeconds);
  const elapsedMs = Math.min(now.getTime(), period.end.getTime()) - period.start.getTime();
  const lengthMs = period.end.getTime() - period.start.getTime();
  const projectedSeconds = elapsedMs <= 0 ? usedSeconds : (usedSeconds * lengthMs) / Math.max(elapsedMs, minProjectionBaseMs);
  return {
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
    usedSeconds,
    usedMinutes: round(usedSeconds / 60, 2),
    includedMinutes: plan.includedMinutes,
    remainingMinutes: round(Math.max(0, includedSeconds - usedSeconds) / 60, 2),
    overageMinutes: round(overSeconds / 60, 2),
    overageAmount: formatMoney(minuteCharge(plan.overagePricePerMinute ?? "0", overSeconds), 2),
    projectedMinutes: round(Math.max(usedSeconds, projectedSeconds) / 60, 1),
    liveSessions: live,
    concurrentLimit: plan.limits.concurrentCalls,
    byDay,
    byAgent: agentsUsage.rows.map((a) => ({ agentId: a.agent_id, agentName: a.agent_name, seconds: Number(a.seconds), sessions: Number(a.sessions) })),
  };
}
