// Aggregates of post-call analysis, read live from the sessions' analysis columns (completed
// analyses only): success by UTC day and agent, and how often each value of a closed-list (enum)
// string field was extracted. The enum fields are those of each agent's current (draft)
// settings, so the page counts what the team asks for today; values outside the list (from
// older settings) are left out and listed values never extracted count 0.
import { and, eq, sql } from "drizzle-orm";
import { AnalysisSettings, type AnalysisAnalytics } from "@speaknode/contracts";
import { agents, type Database } from "@speaknode/db";
import { eachDay } from "./days.ts";

export interface AnalysisRange {
  spaceId: string;
  /** UTC days, both included. */
  from: string;
  to: string;
  agentId?: string | undefined;
}

type DayRow = AnalysisAnalytics["days"][number];

/** Per agent and day with analysed sessions, then the total of the agents for every day of the range (agentId null, zero-filled). */
export async function successByDay(db: Database, r: AnalysisRange): Promise<DayRow[]> {
  const res = await db.execute<{ day: string; agent_id: string | null; analysed: number; evaluated: number; succeeded: number }>(sql`
    select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, agent_id,
      count(*)::int as analysed, count(analysis_passed)::int as evaluated, (count(*) filter (where analysis_passed))::int as succeeded
    from sessions
    where ${inRange(r)}
    group by 1, 2
    order by 1, 2`);
  const perAgent = res.rows.map((row) => dayRow(row.day, row.agent_id, Number(row.analysed), Number(row.evaluated), Number(row.succeeded)));
  const totals = eachDay(r.from, r.to).map((day) => {
    const rows = perAgent.filter((p) => p.day === day);
    const sum = (k: "analysed" | "evaluated" | "succeeded") => rows.reduce((n, p) => n + p[k], 0);
    return dayRow(day, null, sum("analysed"), sum("evaluated"), sum("succeeded"));
  });
  return [...totals, ...perAgent];
}

function dayRow(day: string, agentId: string | null, analysed: number, evaluated: number, succeeded: number): DayRow {
  return { day, agentId, analysed, evaluated, succeeded, successRate: evaluated > 0 ? succeeded / evaluated : null };
}

/** The enum fields of each agent's current settings: [agentId, field, values]. */
export async function enumFields(db: Database, r: Pick<AnalysisRange, "spaceId" | "agentId">): Promise<[string, string, string[]][]> {
  const rows = await db
    .select({ id: agents.id, config: agents.config })
    .from(agents)
    .where(and(eq(agents.spaceId, r.spaceId), r.agentId ? eq(agents.id, r.agentId) : undefined))
    .orderBy(agents.id);
  const out: [string, string, string[]][] = [];
  for (const row of rows) {
    const settings = AnalysisSettings.safeParse(row.config["analysis"] ?? {});
    if (!settings.success) continue;
    for (const [name, field] of Object.entries(settings.data.structuredData.properties)) {
      if (field.type === "string" && field.enum) out.push([row.id, name, field.enum]);
    }
  }
  return out;
}

export async function enumCounts(db: Database, r: AnalysisRange): Promise<AnalysisAnalytics["enums"]> {
  const fields = await enumFields(db, r);
  if (fields.length === 0) return [];
  const pairs = sql.join(
    fields.map(([agentId, field]) => sql`(${agentId}::text, ${field}::text)`),
    sql`, `,
  );
  // A result whose data is not an object (never written so, but the column is plain jsonb) adds nothing.
  const res = await db.execute<{ agent_id: string; field: string; value: string; count: number }>(sql`
    select s.agent_id, d.key as field, d.value as value, count(*)::int as count
    from sessions s
    cross join lateral jsonb_each_text(case when jsonb_typeof(s.analysis_result->'data') = 'object' then s.analysis_result->'data' else '{}'::jsonb end) d
    where ${inRange(r, sql`s.`)} and (s.agent_id, d.key) in (${pairs})
    group by 1, 2, 3`);
  const counted = new Map(res.rows.map((row) => [`${row.agent_id}\u0000${row.field}\u0000${row.value}`, Number(row.count)]));
  return fields.flatMap(([agentId, field, values]) => values.map((value) => ({ agentId, field, value, count: counted.get(`${agentId}\u0000${field}\u0000${value}`) ?? 0 })));
}

function inRange(r: AnalysisRange, alias = sql``) {
  // `to` is a day: every session created before the next midnight (UTC) counts.
  return sql`${alias}space_id = ${r.spaceId} and ${alias}analysis_status = 'completed'
    and ${alias}created_at >= ${`${r.from}T00:00:00Z`}::timestamptz and ${alias}created_at < (${`${r.to}T00:00:00Z`}::timestamptz + interval '1 day')
    ${r.agentId ? sql`and ${alias}agent_id = ${r.agentId}` : sql``}`;
}
