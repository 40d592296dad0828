// GET /v1/spaces/{spaceId}/webhooks/routes: the space's inbound routes by name (every member; secrets
// appear as their last 4 characters).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InboundRouteList } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { listRoutes, routeOf } from "../webhooks/inbound/store.ts";
import { SpaceWebhookParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/routes",
  tags: ["webhooks"],
  summary: "The space's inbound routes (POST /hooks/{spaceId}/{name}), by name",
  security: bearerSecurity,
  request: { params: SpaceWebhookParams },
  responses: { 200: jsonResponse(InboundRouteList, "The routes"), ...errorResponses },
});

export function registerWebhookRoutesList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const rows = await listRoutes(c.get("db"), spaceId);
    return c.json({ data: await Promise.all(rows.map((row) => routeOf(c, row))) }, 200);
  });
}
