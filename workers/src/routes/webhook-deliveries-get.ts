// GET /v1/spaces/{spaceId}/webhooks/deliveries/{deliveryId}: one delivery with its payload and
// every attempt (request headers as sent, secrets redacted; response status and first 4 KiB).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookDeliveryDetail } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { deliveryDetail, deliveryResource, loadDelivery } from "../webhooks/deliveries.ts";
import { DeliveryParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/deliveries/{deliveryId}",
  tags: ["webhooks"],
  summary: "One webhook delivery: its payload and every attempt, in order",
  security: bearerSecurity,
  request: { params: DeliveryParams },
  responses: { 200: jsonResponse(WebhookDeliveryDetail, "The delivery and its attempts"), ...errorResponses },
});

export function registerWebhookDeliveriesGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, deliveryId } = c.req.valid("param");
    await requireSpace(c, spaceId, "member", deliveryResource);
    const db = c.get("db");
    return c.json(await deliveryDetail(db, await loadDelivery(db, spaceId, deliveryId)), 200);
  });
}
