import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, between, eq } from "drizzle-orm";
import { AnalyticsSeries, IsoDay, idSchema } from "@speaknode/contracts";
import type { AnalyticsDay } from "@speaknode/contracts";
import { agents, analyticsDaily } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { addDays, eachDay, utcDay } from "../analytics/days.ts";
import { checkDayRange } from "../analytics/range.ts";
import { SpaceParams } from "./params.ts";

export const defaultAnalyticsDays = 30;

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/analytics",
  tags: ["analytics"],
  summary: `Daily analytics of the space or one agent, every UTC day from \`from\` to \`to\` (default: the last ${defaultAnalyticsDays} days), zero-filled`,
  security: bearerSecurity,
  request: {
    params: SpaceParams,
    query: z.strictObject({
      from: IsoDay.optional(),
      to: IsoDay.optional(),
      agentId: idSchema("agent").optional(),
    }),
  },
  responses: { 200: jsonResponse(AnalyticsSeries, "The daily series"), ...errorResponses },
});

type Row = typeof analyticsDaily.$inferSelect;

export function registerAnalyticsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const q = c.req.valid("query");
    await requireSpace(c, spaceId);
    const to = q.to ?? (q.from ? minDay(addDays(q.from, defaultAnalyticsDays - 1), utcDay(new Date())) : utcDay(new Date()));
    const from = q.from ?? addDays(to, -(defaultAnalyticsDays - 1));
    const rangeError = checkDayRange(from, to, "query");
    if (rangeError) throw rangeError;
    const db = c.get("db");
    if (q.agentId) {
      const [agent] = await db.select({ id: agents.id }).from(agents).where(and(eq(agents.id, q.agentId), eq(agents.spaceId, spaceId)));
      // Another space's agent is as unknown as a made-up id.
      if (!agent) throw notFound("agent");
    }
    const rows = await db
      .select()
      .from(analyticsDaily)
      .where(and(eq(analyticsDaily.spaceId, spaceId), eq(analyticsDaily.agentId, q.agentId ?? ""), between(analyticsDaily.day, from, to)));
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const refreshedAt = rows.reduce<Date | null>((latest, r) => (latest === null || r.refreshedAt > latest ? r.refreshedAt : latest), null);
    const series: AnalyticsSeries = {
      spaceId,
      agentId: q.agentId ?? null,
      from,
      to,
      days: eachDay(from, to).map((day) => toDay(day, byDay.get(day))),
      refreshedAt: refreshedAt?.toISOString() ?? null,
    };
    return c.json(series, 200);
  });
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}

/** A day without a row had no sessions: zeros, and no latency to report. */
function toDay(day: string, r: Row | undefined): AnalyticsDay {
  const toolCalls = r?.toolCalls ?? 0;
  const toolErrors = r?.toolErrors ?? 0;
  return {
    day,
    sessions: { total: r?.sessionsTotal ?? 0, completed: r?.sessionsCompleted ?? 0, failed: r?.sessionsFailed ?? 0, open: r?.sessionsOpen ?? 0 },
    // Two decimals: charts want minutes, and 0.01 min (0.6 s) is below anything worth showing.
    voiceMinutes: Math.round((r?.voiceMs ?? 0) / 600) / 100,
    voiceToVoiceMs: { p50: r?.voiceToVoiceP50Ms ?? null, p95: r?.voiceToVoiceP95Ms ?? null },
    llmTtftMs: { p50: r?.llmTtftP50Ms ?? null, p95: r?.llmTtftP95Ms ?? null },
    ttsTtfbMs: { p50: r?.ttsTtfbP50Ms ?? null, p95: r?.ttsTtfbP95Ms ?? null },
    toolCalls,
    toolErrors,
    toolErrorRate: toolCalls > 0 ? toolErrors / toolCalls : null,
  };
}
