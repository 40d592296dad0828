// POST /v1/spaces/{spaceId}/webhooks/deliveries/{deliveryId}/replay: an Owner sends a delivery
// again (same event, same webhook-id), attempted now through the queue.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookDelivery } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { deliveryResource, loadDelivery } from "../webhooks/deliveries.ts";
import { replayDelivery } from "../webhooks/replay.ts";
import { toWebhookDelivery } from "../webhooks/serialize.ts";
import { DeliveryParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/webhooks/deliveries/{deliveryId}/replay",
  tags: ["webhooks"],
  summary: "Replay a webhook delivery now (Owner); the event and its webhook-id stay the same",
  security: bearerSecurity,
  request: { params: DeliveryParams },
  responses: {
    202: jsonResponse(WebhookDelivery, "The delivery, pending again"),
    ...errorResponses,
    409: problemSpec("The delivery is still pending, or its endpoint is disabled"),
  },
});

export function registerWebhookDeliveriesReplay(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, deliveryId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner", deliveryResource);
    const db = c.get("db");
    const row = await loadDelivery(db, spaceId, deliveryId);
    return c.json(toWebhookDelivery(await replayDelivery(db, c.env, row)), 202);
  });
}
