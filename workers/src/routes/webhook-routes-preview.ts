// POST /v1/spaces/{spaceId}/webhooks/routes/preview: a mapping resolved against a pasted sample by
// the very code a request goes through (every member; nothing is started or stored).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InboundMappingPreview, InboundMappingPreviewRequest } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { applyMapping } from "../webhooks/inbound/mapping.ts";
import { loadTarget, TargetMissing, targetProblem } from "../webhooks/inbound/target.ts";
import { SpaceWebhookParams } from "./params-webhooks.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/webhooks/routes/preview",
  tags: ["webhooks"],
  summary: "Preview a route's mapping on a sample payload: the number, the agent's variables as typed, the idempotency key, and every problem a request would get",
  security: bearerSecurity,
  request: { params: SpaceWebhookParams, body: jsonBody(InboundMappingPreviewRequest) },
  responses: { 200: jsonResponse(InboundMappingPreview, "The mapping applied to the sample"), ...errorResponses },
});

export function registerWebhookRoutesPreview(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId);
    const target = await loadTarget(c.get("db"), spaceId, body).catch((err: unknown) => {
      throw err instanceof TargetMissing ? targetProblem(err) : err;
    });
    return c.json(applyMapping(body.mapping, body.sample, { schema: target.config.variables, needsPhone: body.action !== "dispatch" }), 200);
  });
}
