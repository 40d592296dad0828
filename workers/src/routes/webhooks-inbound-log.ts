// GET /v1/spaces/{spaceId}/webhooks/inbound-log: the space's inbound webhook requests — provider
// webhooks (Twilio, VoxImplant) that named one of its connections and requests to its inbound
// routes — newest first, with what became of each. Every member (and the space's API keys) may read it.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InboundLogFilters, InboundLogList } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { listInboundLog } from "../webhooks/inbound-log.ts";
import { SpaceWebhookParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/webhooks/inbound-log",
  tags: ["webhooks"],
  summary: "The space's inbound webhook requests (providers and inbound routes), newest first; page on with `cursor` = the previous page's nextCursor",
  security: bearerSecurity,
  request: { params: SpaceWebhookParams, query: InboundLogFilters.omit({ spaceless: true }).strict() },
  responses: { 200: jsonResponse(InboundLogList, "A page of the log"), ...errorResponses },
});

export function registerWebhooksInboundLog(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const page = await listInboundLog(c.get("db"), { spaceId }, c.req.valid("query"));
    return c.json(page, 200);
  });
}
