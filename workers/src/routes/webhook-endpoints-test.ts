// POST /v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}/test: an Owner sends a `webhook.test`
// event to this endpoint only (whatever it subscribes to), through the queue like any delivery.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookDelivery } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { loadEndpoint } from "../webhooks/endpoints.ts";
import { toWebhookDelivery } from "../webhooks/serialize.ts";
import { sendTestEvent } from "../webhooks/test-event.ts";
import { EndpointParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}/test",
  tags: ["webhooks"],
  summary: "Send a webhook.test event to this endpoint now (Owner); follow the delivery for its outcome",
  security: bearerSecurity,
  request: { params: EndpointParams },
  responses: { 202: jsonResponse(WebhookDelivery, "The test delivery, queued"), ...errorResponses, 409: problemSpec("The endpoint is disabled") },
});

export function registerWebhookEndpointsTest(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, endpointId } = c.req.valid("param");
    const row = await loadEndpoint(c, spaceId, endpointId, "owner");
    return c.json(toWebhookDelivery(await sendTestEvent(c.get("db"), c.env, row)), 202);
  });
}
