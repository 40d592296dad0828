// GET /v1/spaces/{spaceId}/webhooks/routes/{routeId}: one inbound route (every member).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InboundRoute } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { loadRoute, routeOf } from "../webhooks/inbound/store.ts";
import { RouteParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/routes/{routeId}",
  tags: ["webhooks"],
  summary: "An inbound route",
  security: bearerSecurity,
  request: { params: RouteParams },
  responses: { 200: jsonResponse(InboundRoute, "The route"), ...errorResponses },
});

export function registerWebhookRoutesGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, routeId } = c.req.valid("param");
    return c.json(await routeOf(c, await loadRoute(c, spaceId, routeId)), 200);
  });
}
