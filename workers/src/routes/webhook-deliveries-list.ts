// GET /v1/spaces/{spaceId}/webhooks/deliveries and …/endpoints/{endpointId}/deliveries: delivery
// history, newest first, filtered by endpoint, event type and status, for every member.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookDeliveryFilters, WebhookDeliveryList } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { listDeliveries } from "../webhooks/deliveries.ts";
import { loadEndpoint } from "../webhooks/endpoints.ts";
import { EndpointParams, SpaceWebhookParams } from "./params-webhooks.ts";

const pageOn = "page on with `cursor` = the previous page's nextCursor";

export const spaceRoute = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/deliveries",
  tags: ["webhooks"],
  summary: `The space's webhook deliveries, newest first, filtered by endpoint, event type and status; ${pageOn}`,
  security: bearerSecurity,
  request: { params: SpaceWebhookParams, query: WebhookDeliveryFilters.strict() },
  responses: { 200: jsonResponse(WebhookDeliveryList, "A page of deliveries"), ...errorResponses },
});

export const endpointRoute = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}/deliveries",
  tags: ["webhooks"],
  summary: `One endpoint's webhook deliveries, newest first, filtered by event type and status; ${pageOn}`,
  security: bearerSecurity,
  request: { params: EndpointParams, query: WebhookDeliveryFilters.omit({ endpointId: true }).strict() },
  responses: { 200: jsonResponse(WebhookDeliveryList, "A page of deliveries"), ...errorResponses },
});

export function registerWebhookDeliveriesList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(spaceRoute, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    return c.json(await listDeliveries(c.get("db"), spaceId, c.req.valid("query")), 200);
  });
  app.openapi(endpointRoute, async (c) => {
    const { spaceId, endpointId } = c.req.valid("param");
    await loadEndpoint(c, spaceId, endpointId);
    return c.json(await listDeliveries(c.get("db"), spaceId, { ...c.req.valid("query"), endpointId }), 200);
  });
}
