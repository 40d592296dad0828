// PATCH /v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}: an Owner changes the URL (checked
// again), description, event types or custom headers, disables the endpoint or enables it again
// (which clears a disable by 410 or by failing and the failing streak; nothing is resent).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookEndpoint, WebhookEndpointUpdate } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { loadEndpoint, updateEndpoint } from "../webhooks/endpoints.ts";
import { toWebhookEndpoint } from "../webhooks/serialize.ts";
import { EndpointParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}",
  tags: ["webhooks"],
  summary: "Change a webhook endpoint, or disable / re-enable it (Owner); custom headers must be given again when the URL moves to another origin",
  security: bearerSecurity,
  request: { params: EndpointParams, body: jsonBody(WebhookEndpointUpdate) },
  responses: { 200: jsonResponse(WebhookEndpoint, "The endpoint"), ...errorResponses },
});

export function registerWebhookEndpointsUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, endpointId } = c.req.valid("param");
    const row = await loadEndpoint(c, spaceId, endpointId, "owner");
    const updated = await updateEndpoint({ db: c.get("db"), config: c.get("config") }, row, c.req.valid("json"));
    return c.json(await toWebhookEndpoint(c.get("config").secretsKey, updated), 200);
  });
}
