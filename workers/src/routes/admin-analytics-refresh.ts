import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { IsoDay, idSchema } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { checkDayRange } from "../analytics/range.ts";
import { analyticsRefresher } from "../analytics/refresher.ts";
import { log } from "../lib/log.ts";

const RefreshBody = z.strictObject({
  from: IsoDay,
  to: IsoDay,
  /** Only this space; every space when absent. */
  spaceId: idSchema("space").optional(),
});

export const route = createRoute({
  method: "post",
  path: "/v1/admin/analytics/refresh",
  tags: ["platform"],
  summary: "Recompute the daily analytics of a range of UTC days, for one space or all (platform Admin; backfills)",
  security: bearerSecurity,
  request: { body: jsonBody(RefreshBody) },
  responses: {
    200: jsonResponse(z.object({ rows: z.number().int().describe("Aggregate rows written") }), "Refreshed"),
    ...errorResponses,
  },
});

export function registerAdminAnalyticsRefresh(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const admin = requirePlatformAdmin(c);
    const body = c.req.valid("json");
    const rangeError = checkDayRange(body.from, body.to, "body");
    if (rangeError) throw rangeError;
    const result = await analyticsRefresher(c.get("config")).range(c.get("db"), body);
    log.info("analytics backfilled", { requestId: c.get("requestId"), userId: admin.userId, from: body.from, to: body.to, spaceId: body.spaceId ?? null, rows: result.rows });
    return c.json({ rows: result.rows }, 200);
  });
}
