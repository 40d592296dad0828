// GET /v1/admin/webhooks/inbound-log: every inbound webhook request on the platform, newest first
// (platform Admin). `spaceless=true` keeps only the requests no space was found for — Lago's,
// and provider or route requests naming a connection or space that does not exist.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InboundLogFilters, InboundLogList } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { listInboundLog } from "../webhooks/inbound-log.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/admin/webhooks/inbound-log",
  tags: ["platform", "webhooks"],
  summary: "Every inbound webhook request, newest first; `spaceless=true`: only those with no space (platform Admin)",
  security: bearerSecurity,
  request: { query: InboundLogFilters.strict() },
  responses: { 200: jsonResponse(InboundLogList, "A page of the log"), ...errorResponses },
});

export function registerAdminWebhooksInboundLog(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requirePlatformAdmin(c);
    const { spaceless, ...q } = c.req.valid("query");
    const page = await listInboundLog(c.get("db"), spaceless === "true" ? { spaceless: true } : { all: true }, q);
    return c.json(page, 200);
  });
}
