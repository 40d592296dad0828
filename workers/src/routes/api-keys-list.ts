import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import { ApiKey, listOf } from "@speaknode/contracts";
import { apiKeys } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";
import { toApiKey } from "./serialize.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/api-keys",
  tags: ["api-keys"],
  summary: "Active API keys of the space, by prefix only (Owner)",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(listOf(ApiKey), "The keys, without secrets"), ...errorResponses },
});

export function registerApiKeysList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const rows = await c
      .get("db")
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.spaceId, spaceId), isNull(apiKeys.revokedAt)))
      .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
    return c.json({ data: rows.map(toApiKey) }, 200);
  });
}
