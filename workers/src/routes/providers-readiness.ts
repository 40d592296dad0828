import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ProvidersReadiness } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { providersReadiness, readinessFacts } from "../agents/readiness.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/providers",
  tags: ["catalog"],
  summary: "Which providers an agent of this space can use now (platform key, offline engine or the space's key) and the languages they handle",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(ProvidersReadiness, "Readiness per (kind, provider) with an enabled catalog model"), ...errorResponses },
});

export function registerProvidersReadiness(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    return c.json(providersReadiness(await readinessFacts(c.get("db"), spaceId, new Date())), 200);
  });
}
