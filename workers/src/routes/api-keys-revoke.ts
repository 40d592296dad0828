import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { apiKeys } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, noContent } from "../lib/openapi.ts";
import { ApiKeyParams } from "./params.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/api-keys/{apiKeyId}",
  tags: ["api-keys"],
  summary: "Revoke an API key (Owner); it stops working at once",
  security: bearerSecurity,
  request: { params: ApiKeyParams },
  responses: { 204: noContent, ...errorResponses },
});

export function registerApiKeysRevoke(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { apiKeyId } = c.req.valid("param");
    const db = c.get("db");
    const [key] = await db.select({ spaceId: apiKeys.spaceId }).from(apiKeys).where(and(eq(apiKeys.id, apiKeyId), isNull(apiKeys.revokedAt)));
    await requireInSpace(c, "API key", key, "owner");
    await db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, apiKeyId));
    return c.body(null, 204);
  });
}
