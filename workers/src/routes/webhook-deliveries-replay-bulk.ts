// POST /v1/spaces/{spaceId}/webhooks/deliveries/replay: an Owner replays every failed delivery of
// the space (or of one endpoint) created since a time — after fixing a receiver, say. Deliveries
// of disabled endpoints are left alone.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { WebhookBulkReplay, WebhookBulkReplayResult } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { replayFailedSince } from "../webhooks/replay.ts";
import { SpaceWebhookParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/webhooks/deliveries/replay",
  tags: ["webhooks"],
  summary: "Replay every failed webhook delivery since a time, of the space or of one endpoint (Owner)",
  security: bearerSecurity,
  request: { params: SpaceWebhookParams, body: jsonBody(WebhookBulkReplay) },
  responses: {
    202: jsonResponse(WebhookBulkReplayResult, "How many deliveries were queued again"),
    ...errorResponses,
    409: problemSpec("The endpoint named is disabled"),
  },
});

export function registerWebhookDeliveriesReplayBulk(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { since, endpointId } = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    const replayed = await replayFailedSince(c.get("db"), c.env, spaceId, new Date(since), endpointId);
    return c.json({ replayed }, 202);
  });
}
