import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateApiKeyBody, CreatedApiKey, newId } from "@speaknode/contracts";
import { apiKeys } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { generateApiKey, sha256Hex } from "../auth/api-keys.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";
import { toApiKey } from "./serialize.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/api-keys",
  tags: ["api-keys"],
  summary: "Create an API key for the space (Owner); the key acts with Member rights, and its secret is returned this once",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(CreateApiKeyBody) },
  responses: { 201: jsonResponse(CreatedApiKey, "The key, with its secret"), ...errorResponses },
});

export function registerApiKeysCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { name } = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    const p = c.get("principal");
    const { key, prefix } = generateApiKey();
    const [row] = await c
      .get("db")
      .insert(apiKeys)
      .values({ id: newId("apiKey"), spaceId, name, prefix, hash: await sha256Hex(key), createdBy: p.type === "user" ? p.userId : null })
      .returning();
    if (!row) throw new Error("api key insert returned no row");
    return c.json({ ...toApiKey(row), key }, 201);
  });
}
