// Daily analytics aggregates, computed from the session history in one SQL statement per refresh.
// A refresh recomputes whole (space, UTC day) cells: every agent's row and the whole-space row
// (agent_id '') are upserted from scratch and rows whose data has gone are deleted, so repeating a
// refresh or refreshing after the data changed always leaves exactly what the sessions say.
import { sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Database } from "@speaknode/db";
import { writeToSink } from "./sink.ts";
import type { AnalyticsSink, AnalyticsRow } from "./sink.ts";

export interface RefreshOptions {
  /** Receives the refreshed rows (and zeroed rows for deleted ones) after the refresh; optional. */
  sink?: AnalyticsSink | undefined;
}

export interface RefreshResult {
  /** Rows written (inserted or updated). */
  rows: number;
}

const isoDay = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Refreshes the (space, day) cells the given sessions belong to. Called after a session's data
 * changed (it ended, or the runtime reported more of it); unknown ids are ignored.
 */
export async function refreshAnalyticsForSessions(db: Database, sessionIds: string[], now: Date = new Date(), options: RefreshOptions = {}): Promise<void> {
  const ids = [...new Set(sessionIds)];
  if (ids.length === 0) return;
  const targets = sql`select distinct s.space_id, (s.created_at at time zone 'UTC')::date as day
    from sessions s where s.id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})`;
  await refreshTargets(db, targets, now, options);
}

/**
 * Refreshes every cell from `from` to `to` (UTC days, inclusive) that has sessions or already has
 * aggregates, in one space or in all of them: the scheduled refresh and the Admin backfill.
 */
export async function refreshAnalytics(
  db: Database,
  range: { from: string; to: string; spaceId?: string | undefined },
  now: Date = new Date(),
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  if (!isoDay.test(range.from) || !isoDay.test(range.to)) throw new RangeError("from and to must be YYYY-MM-DD");
  const space = (column: SQL) => (range.spaceId === undefined ? sql`` : sql` and ${column} = ${range.spaceId}`);
  const targets = sql`select distinct s.space_id, (s.created_at at time zone 'UTC')::date as day from sessions s
      where s.created_at >= (${range.from}::date::timestamp at time zone 'UTC')
        and s.created_at < ((${range.to}::date + 1)::timestamp at time zone 'UTC')${space(sql`s.space_id`)}
    union
    select a.space_id, a.day from analytics_daily a
      where a.day between ${range.from}::date and ${range.to}::date${space(sql`a.space_id`)}`;
  return refreshTargets(db, targets, now, options);
}

interface WrittenRow extends Record<string, unknown> {
  day: string;
  space_id: string;
  agent_id: string;
  sessions_total: number;
  sessions_completed: number;
  sessions_failed: number;
  sessions_open: number;
  voice_ms: string | number;
  voice_to_voice_p50_ms: number | null;
  voice_to_voice_p95_ms: number | null;
  llm_ttft_p50_ms: number | null;
  llm_ttft_p95_ms: number | null;
  tts_ttfb_p50_ms: number | null;
  tts_ttfb_p95_ms: number | null;
  tool_calls: number;
  tool_errors: number;
  /** Set only on rows that were deleted because their data is gone. */
  deleted: boolean;
}

/**
 * The statement: `targets` yields (space_id, day) cells. Each session counts twice, once for its
 * agent and once for the whole space (`agent_key` ''); sessions whose agent was deleted count
 * only for the whole space, as no per-agent row can name them. Percentiles ignore unmeasured
 * (null) turn metrics and are rounded to whole milliseconds.
 */
async function refreshTargets(db: Database, targets: SQL, now: Date, options: RefreshOptions): Promise<RefreshResult> {
  const refreshedAt = now.toISOString();
  const result = await db.execute<WrittenRow>(sql`
    with targets as (${targets}),
    ss as (
      select s.id, s.space_id, t.day, k.agent_key, s.status, s.started_at, s.ended_at
      from targets t
      join sessions s on s.space_id = t.space_id
        and s.created_at >= (t.day::timestamp at time zone 'UTC')
        and s.created_at < ((t.day + 1)::timestamp at time zone 'UTC')
      cross join lateral (values (''), (s.agent_id)) as k(agent_key)
      where k.agent_key is not null
    ),
    sess as (
      select space_id, day, agent_key,
        count(*)::int as sessions_total,
        (count(*) filter (where status = 'completed'))::int as sessions_completed,
        (count(*) filter (where status = 'failed'))::int as sessions_failed,
        (count(*) filter (where status in ('pending', 'dispatching', 'active')))::int as sessions_open,
        coalesce(round(sum(greatest(extract(epoch from (ended_at - started_at)), 0) * 1000)
          filter (where status in ('completed', 'failed') and started_at is not null and ended_at is not null)), 0)::bigint as voice_ms
      from ss group by space_id, day, agent_key
    ),
    turns as (
      select ss.space_id, ss.day, ss.agent_key,
        round(percentile_cont(0.5) within group (order by t.voice_to_voice_ms))::int as voice_to_voice_p50_ms,
        round(percentile_cont(0.95) within group (order by t.voice_to_voice_ms))::int as voice_to_voice_p95_ms,
        round(percentile_cont(0.5) within group (order by t.llm_ttft_ms))::int as llm_ttft_p50_ms,
        round(percentile_cont(0.95) within group (order by t.llm_ttft_ms))::int as llm_ttft_p95_ms,
        round(percentile_cont(0.5) within group (order by t.tts_ttfb_ms))::int as tts_ttfb_p50_ms,
        round(percentile_cont(0.95) within group (order by t.tts_ttfb_ms))::int as tts_ttfb_p95_ms
      from ss join session_turns t on t.session_id = ss.id
      group by ss.space_id, ss.day, ss.agent_key
    ),
    tools as (
      select ss.space_id, ss.day, ss.agent_key,
        count(*)::int as tool_calls,
        (count(*) filter (where c.status <> 'ok'))::int as tool_errors
      from ss join session_tool_calls c on c.session_id = ss.id
      group by ss.space_id, ss.day, ss.agent_key
    ),
    fresh as (
      select sess.day, sess.space_id, sess.agent_key as agent_id,
        sess.sessions_total, sess.sessions_completed, sess.sessions_failed, sess.sessions_open, sess.voice_ms,
        turns.voice_to_voice_p50_ms, turns.voice_to_voice_p95_ms, turns.llm_ttft_p50_ms, turns.llm_ttft_p95_ms,
        turns.tts_ttfb_p50_ms, turns.tts_ttfb_p95_ms,
        coalesce(tools.tool_calls, 0) as tool_calls, coalesce(tools.tool_errors, 0) as tool_errors
      from sess
      left join turns using (space_id, day, agent_key)
      left join tools using (space_id, day, agent_key)
    ),
    upserted as (
      insert into analytics_daily (day, space_id, agent_id, sessions_total, sessions_completed, sessions_failed, sessions_open,
        voice_ms, voice_to_voice_p50_ms, voice_to_voice_p95_ms, llm_ttft_p50_ms, llm_ttft_p95_ms, tts_ttfb_p50_ms, tts_ttfb_p95_ms,
        tool_calls, tool_errors, refreshed_at)
      -- In key order, so concurrent refreshes of overlapping cells lock rows in the same order.
      select fresh.*, ${refreshedAt}::timestamptz from fresh order by day, space_id, agent_id
      on conflict (day, space_id, agent_id) do update set
        sessions_total = excluded.sessions_total, sessions_completed = excluded.sessions_completed,
        sessions_failed = excluded.sessions_failed, sessions_open = excluded.sessions_open, voice_ms = excluded.voice_ms,
        voice_to_voice_p50_ms = excluded.voice_to_voice_p50_ms, voice_to_voice_p95_ms = excluded.voice_to_voice_p95_ms,
        llm_ttft_p50_ms = excluded.llm_ttft_p50_ms, llm_ttft_p95_ms = excluded.llm_ttft_p95_ms,
        tts_ttfb_p50_ms = excluded.tts_ttfb_p50_ms, tts_ttfb_p95_ms = excluded.tts_ttfb_p95_ms,
        tool_calls = excluded.tool_calls, tool_errors = excluded.tool_errors, refreshed_at = excluded.refreshed_at
      returning *
    ),
    deleted as (
      delete from analytics_daily a using targets t
      where a.space_id = t.space_id and a.day = t.day
        and not exists (select 1 from fresh f where f.space_id = a.space_id and f.day = a.day and f.agent_id = a.agent_id)
      returning a.day, a.space_id, a.agent_id
    )
    select u.day::text as day, u.space_id, u.agent_id, u.sessions_total, u.sessions_completed, u.sessions_failed, u.sessions_open,
      u.voice_ms, u.voice_to_voice_p50_ms, u.voice_to_voice_p95_ms, u.llm_ttft_p50_ms, u.llm_ttft_p95_ms,
      u.tts_ttfb_p50_ms, u.tts_ttfb_p95_ms, u.tool_calls, u.tool_errors, false as deleted
    from upserted u
    union all
    select d.day::text, d.space_id, d.agent_id, 0, 0, 0, 0, 0, null, null, null, null, null, null, 0, 0, true
    from deleted d
  `);
  const written = result.rows.map(toRow(refreshedAt));
  if (options.sink && written.length > 0) await writeToSink(options.sink, written.map(({ deleted: _deleted, ...row }) => row));
  return { rows: written.filter((r) => !r.deleted).length };
}

function toRow(refreshedAt: string) {
  return (r: WrittenRow): AnalyticsRow & { deleted: boolean } => ({
    day: r.day,
    spaceId: r.space_id,
    agentId: r.agent_id,
    sessionsTotal: Number(r.sessions_total),
    sessionsCompleted: Number(r.sessions_completed),
    sessionsFailed: Number(r.sessions_failed),
    sessionsOpen: Number(r.sessions_open),
    voiceMs: Number(r.voice_ms),
    voiceToVoiceP50Ms: r.voice_to_voice_p50_ms,
    voiceToVoiceP95Ms: r.voice_to_voice_p95_ms,
    llmTtftP50Ms: r.llm_ttft_p50_ms,
    llmTtftP95Ms: r.llm_ttft_p95_ms,
    ttsTtfbP50Ms: r.tts_ttfb_p50_ms,
    ttsTtfbP95Ms: r.tts_ttfb_p95_ms,
    toolCalls: Number(r.tool_calls),
    toolErrors: Number(r.tool_errors),
    refreshedAt,
    deleted: r.deleted,
  });
}
