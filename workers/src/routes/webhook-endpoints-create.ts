// POST /v1/spaces/{spaceId}/webhooks/endpoints: an Owner adds an endpoint. The URL must pass the
// SSRF policy (https, a public host); the signing secret is generated and answered this once.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookEndpointCreate, WebhookEndpointWithSecret } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { createEndpoint } from "../webhooks/endpoints.ts";
import { secretHint } from "../webhooks/secrets.ts";
import { toEndpointWithHint } from "../webhooks/serialize.ts";
import { SpaceWebhookParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints",
  tags: ["webhooks"],
  summary: "Add a webhook endpoint (Owner); its signing secret is in this answer only",
  security: bearerSecurity,
  request: { params: SpaceWebhookParams, body: jsonBody(WebhookEndpointCreate) },
  responses: { 201: jsonResponse(WebhookEndpointWithSecret, "The endpoint with its signing secret (shown once)"), ...errorResponses },
});

export function registerWebhookEndpointsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const { row, secret } = await createEndpoint({ db: c.get("db"), config: c.get("config") }, spaceId, c.req.valid("json"));
    return c.json({ ...toEndpointWithHint(row, secretHint(secret)), secret }, 201);
  });
}
