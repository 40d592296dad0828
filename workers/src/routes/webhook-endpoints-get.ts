// GET /v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}: one endpoint, for every member.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookEndpoint } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { loadEndpoint } from "../webhooks/endpoints.ts";
import { toWebhookEndpoint } from "../webhooks/serialize.ts";
import { EndpointParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}",
  tags: ["webhooks"],
  summary: "One webhook endpoint, with a hint of its secret and the names of its custom headers",
  security: bearerSecurity,
  request: { params: EndpointParams },
  responses: { 200: jsonResponse(WebhookEndpoint, "The endpoint"), ...errorResponses },
});

export function registerWebhookEndpointsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, endpointId } = c.req.valid("param");
    const row = await loadEndpoint(c, spaceId, endpointId);
    return c.json(await toWebhookEndpoint(c.get("config").secretsKey, row), 200);
  });
}
