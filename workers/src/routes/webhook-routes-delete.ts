// DELETE /v1/spaces/{spaceId}/webhooks/routes/{routeId}: an Owner removes a route; requests to its
// path are refused (404) and logged from then on.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, noContent } from "../lib/openapi.ts";
import { deleteInboundRoute, loadRoute } from "../webhooks/inbound/store.ts";
import { RouteParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/spaces/{spaceId}/webhooks/routes/{routeId}",
  tags: ["webhooks"],
  summary: "Delete an inbound route (Owner)",
  security: bearerSecurity,
  request: { params: RouteParams },
  responses: { 204: noContent, ...errorResponses },
});

export function registerWebhookRoutesDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, routeId } = c.req.valid("param");
    await deleteInboundRoute(c.get("db"), await loadRoute(c, spaceId, routeId, "owner"));
    return c.body(null, 204);
  });
}
