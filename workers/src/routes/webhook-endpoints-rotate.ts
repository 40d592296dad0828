// POST /v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}/rotate-secret: an Owner replaces the
// signing secret. The new one is answered this once; the previous one keeps signing alongside it
// (a second v1 signature) for the overlap, so receivers can switch without refusing a delivery.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookEndpointWithSecret, WebhookSecretRotate } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { loadEndpoint, rotateEndpointSecret } from "../webhooks/endpoints.ts";
import { secretHint } from "../webhooks/secrets.ts";
import { toEndpointWithHint } from "../webhooks/serialize.ts";
import { EndpointParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints/{endpointId}/rotate-secret",
  tags: ["webhooks"],
  summary: "Rotate a webhook endpoint's signing secret (Owner); the new secret is in this answer only, the previous one also signs until previousSecretExpiresAt",
  security: bearerSecurity,
  request: { params: EndpointParams, body: { ...jsonBody(WebhookSecretRotate), required: false } },
  responses: { 200: jsonResponse(WebhookEndpointWithSecret, "The endpoint with its new signing secret (shown once)"), ...errorResponses },
});

export function registerWebhookEndpointsRotate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, endpointId } = c.req.valid("param");
    // Without a body the validator passes {} through: parsing it again applies the default overlap.
    const { overlapHours } = WebhookSecretRotate.parse(c.req.valid("json") ?? {});
    const row = await loadEndpoint(c, spaceId, endpointId, "owner");
    const { row: rotated, secret } = await rotateEndpointSecret({ db: c.get("db"), config: c.get("config") }, row, overlapHours);
    return c.json({ ...toEndpointWithHint(rotated, secretHint(secret)), secret }, 200);
  });
}
