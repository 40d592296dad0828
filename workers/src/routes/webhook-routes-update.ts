// PATCH /v1/spaces/{spaceId}/webhooks/routes/{routeId}: an Owner changes, pauses or resumes a
// route, or gives it a new secret (the old one stops verifying at once). The result is checked as
// a whole, as a new route would be; the action and the name stay.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InboundRoute, InboundRouteUpdate } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { loadRoute, routeOf, updateInboundRoute } from "../webhooks/inbound/store.ts";
import { RouteParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/spaces/{spaceId}/webhooks/routes/{routeId}",
  tags: ["webhooks"],
  summary: "Change an inbound route, pause or resume it, or replace its secret (Owner)",
  security: bearerSecurity,
  request: { params: RouteParams, body: jsonBody(InboundRouteUpdate) },
  responses: { 200: jsonResponse(InboundRoute, "The route"), ...errorResponses },
});

export function registerWebhookRoutesUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, routeId } = c.req.valid("param");
    const row = await loadRoute(c, spaceId, routeId, "owner");
    const updated = await updateInboundRoute({ db: c.get("db"), config: c.get("config") }, row, c.req.valid("json"));
    return c.json(await routeOf(c, updated), 200);
  });
}
