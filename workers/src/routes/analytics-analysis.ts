// Post-call analysis on the analytics page: success rate by day and agent, counts of enum values.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { AnalysisAnalytics, IsoDay, idSchema } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { addDays, utcDay } from "../analytics/days.ts";
import { checkDayRange } from "../analytics/range.ts";
import { enumCounts, successByDay } from "../analytics/analysis.ts";
import { defaultAnalyticsDays } from "./analytics-get.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/analytics/analysis",
  tags: ["analytics"],
  summary:
    `Post-call analysis of sessions created from \`from\` to \`to\` (UTC days; default: the last ${defaultAnalyticsDays} days), completed analyses only: ` +
    "`days` has the total of every day (agentId null, zero-filled) then one row per agent and day with analysed sessions " +
    "(successRate = succeeded / evaluated, null when none was evaluated); `enums` counts each value of the string fields with `enum` in each agent's current settings",
  security: bearerSecurity,
  request: {
    params: SpaceParams,
    query: z.strictObject({ from: IsoDay.optional(), to: IsoDay.optional(), agentId: idSchema("agent").optional() }),
  },
  responses: { 200: jsonResponse(AnalysisAnalytics, "Success by day and agent, enum value counts"), ...errorResponses },
});

export function registerAnalyticsAnalysis(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const q = c.req.valid("query");
    await requireSpace(c, spaceId);
    const today = utcDay(new Date());
    const to = q.to ?? (q.from ? minDay(addDays(q.from, defaultAnalyticsDays - 1), today) : today);
    const from = q.from ?? addDays(to, -(defaultAnalyticsDays - 1));
    const rangeError = checkDayRange(from, to, "query");
    if (rangeError) throw rangeError;
    const db = c.get("db");
    if (q.agentId) {
      const [agent] = await db.select({ id: agents.id }).from(agents).where(and(eq(agents.id, q.agentId), eq(agents.spaceId, spaceId)));
      // Another space's agent is as unknown as a made-up id.
      if (!agent) throw notFound("agent");
    }
    const range = { spaceId, from, to, agentId: q.agentId };
    const [days, enums] = await Promise.all([successByDay(db, range), enumCounts(db, range)]);
    const body: AnalysisAnalytics = { from, to, days, enums };
    return c.json(body, 200);
  });
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
