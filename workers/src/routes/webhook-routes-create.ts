// POST /v1/spaces/{spaceId}/webhooks/routes: an Owner adds an inbound route. What its action needs
// is checked against the space (agent, campaign, number to call from; the mapping's variables
// against the agent's schema); the secret, given or generated, is in this answer only.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InboundRouteCreate, InboundRouteWithSecret } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { createInboundRoute, toInboundRoute } from "../webhooks/inbound/store.ts";
import { SpaceWebhookParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/webhooks/routes",
  tags: ["webhooks"],
  summary: "Add an inbound route (Owner): call needs agentId, fromNumberId and mapping.phoneNumber; campaign_item needs campaignId and mapping.phoneNumber; dispatch needs agentId. Its secret is in this answer only",
  security: bearerSecurity,
  request: { params: SpaceWebhookParams, body: jsonBody(InboundRouteCreate) },
  responses: {
    201: jsonResponse(InboundRouteWithSecret, "The route with its secret (shown once)"),
    ...errorResponses,
    409: problemSpec("Another route of the space has this name"),
  },
});

export function registerWebhookRoutesCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const { row, secret } = await createInboundRoute({ db: c.get("db"), config: c.get("config") }, spaceId, c.req.valid("json"));
    return c.json({ ...toInboundRoute(row, publicOrigin(c), secret), secret }, 201);
  });
}
