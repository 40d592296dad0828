// GET /v1/spaces/{spaceId}/webhooks/endpoints: the space's webhook endpoints, oldest first, for
// every member and the space's API keys (never a secret or a custom header's value).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { WebhookEndpointList } from "@speaknode/contracts";
import { webhookEndpoints } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { toWebhookEndpoint } from "../webhooks/serialize.ts";
import { SpaceWebhookParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/endpoints",
  tags: ["webhooks"],
  summary: "The space's webhook endpoints, oldest first, each with a hint of its secret and the names of its custom headers",
  security: bearerSecurity,
  request: { params: SpaceWebhookParams },
  responses: { 200: jsonResponse(WebhookEndpointList, "The endpoints"), ...errorResponses },
});

export function registerWebhookEndpointsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const rows = await c.get("db").select().from(webhookEndpoints).where(eq(webhookEndpoints.spaceId, spaceId)).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
    const key = c.get("config").secretsKey;
    return c.json({ data: await Promise.all(rows.map((r) => toWebhookEndpoint(key, r))) }, 200);
  });
}
