// DELETE /v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}: an Owner removes an endpoint with
// its delivery history; nothing more is sent to it.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, noContent } from "../lib/openapi.ts";
import { deleteEndpoint, loadEndpoint } from "../webhooks/endpoints.ts";
import { EndpointParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}",
  tags: ["webhooks"],
  summary: "Delete a webhook endpoint and its delivery history (Owner)",
  security: bearerSecurity,
  request: { params: EndpointParams },
  responses: { 204: noContent, ...errorResponses },
});

export function registerWebhookEndpointsDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, endpointId } = c.req.valid("param");
    const row = await loadEndpoint(c, spaceId, endpointId, "owner");
    await deleteEndpoint(c.get("db"), row);
    return c.body(null, 204);
  });
}
