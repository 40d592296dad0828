// Campaign totals computed in Postgres: items by status and by their latest outcome, and the
// attempts' count, average talk time and billed minutes (each call rounded up to the minute). One
// statement for any number of campaigns, so the list pays one round trip for all its summaries.
import { sql } from "drizzle-orm";
import { CampaignItemStatus, type CampaignSummary } from "@speaknode/contracts";
import type { Database } from "@speaknode/db";

interface SummaryRow extends Record<string, unknown> {
  kind: "items" | "attempts";
  campaign_id: string;
  status: string | null;
  last_outcome: string | null;
  n: number;
  avg_s: number | null;
  minutes: number | null;
}

export function emptySummary(): CampaignSummary {
  return {
    total: 0,
    byStatus: Object.fromEntries(CampaignItemStatus.options.map((s) => [s, 0])) as CampaignSummary["byStatus"],
    reached: 0,
    completed: 0,
    voicemail: 0,
    noAnswer: 0,
    busy: 0,
    failed: 0,
    attempts: 0,
    averageDurationS: null,
    minutesUsed: 0,
  };
}

const outcomeField = { voicemail: "voicemail", no_answer: "noAnswer", busy: "busy", failed: "failed" } as const;

/** The summary of each campaign (every id gets one, empty when it has no items). */
export async function summariesOf(db: Database, campaignIds: readonly string[]): Promise<Map<string, CampaignSummary>> {
  const out = new Map(campaignIds.map((id) => [id, emptySummary()]));
  if (campaignIds.length === 0) return out;
  const ids = sql.join(
    campaignIds.map((id) => sql`${id}`),
    sql`, `,
  );
  // Talk time counts attempts that lasted (a call never answered has no duration, or 0).
  const result = await db.execute<SummaryRow>(sql`
    select 'items' as kind, campaign_id, status::text as status, last_outcome, count(*)::int as n, null::float8 as avg_s, null::int as minutes
      from campaign_items where campaign_id in (${ids}) group by campaign_id, status, last_outcome
    union all
    select 'attempts', campaign_id, null, null, count(*)::int, (avg(duration_s) filter (where duration_s > 0))::float8,
           coalesce(sum(ceil(duration_s / 60.0)) filter (where duration_s > 0), 0)::int
      from campaign_attempts where campaign_id in (${ids}) group by campaign_id`);
  for (const r of result.rows) {
    const s = out.get(r.campaign_id);
    if (!s) continue;
    const n = Number(r.n);
    if (r.kind === "attempts") {
      s.attempts = n;
      s.averageDurationS = r.avg_s === null ? null : Math.round(Number(r.avg_s) * 10) / 10;
      s.minutesUsed = Number(r.minutes ?? 0);
      continue;
    }
    s.total += n;
    const status = CampaignItemStatus.safeParse(r.status);
    if (status.success) s.byStatus[status.data] = (s.byStatus[status.data] ?? 0) + n;
    if (status.data === "completed") s.completed += n;
    if (r.last_outcome === "completed") s.reached += n;
    const field = r.last_outcome && r.last_outcome in outcomeField ? outcomeField[r.last_outcome as keyof typeof outcomeField] : undefined;
    if (field) s[field] += n;
  }
  return out;
}
