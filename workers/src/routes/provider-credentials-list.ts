// A space's provider keys (bring your own key), without the keys: Members may see which exist.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { listOf, ProviderCredential } from "@speaknode/contracts";
import { providerCredentials } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { toProviderCredential } from "../providers/credentials.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/provider-credentials",
  tags: ["provider-credentials"],
  summary: "The space's provider keys, each with its base URL and a hint of the key (never the key)",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(listOf(ProviderCredential), "The provider keys"), ...errorResponses },
});

export function registerProviderCredentialsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const rows = await c.get("db").select().from(providerCredentials).where(eq(providerCredentials.spaceId, spaceId)).orderBy(asc(providerCredentials.provider), asc(providerCredentials.name));
    return c.json({ data: rows.map(toProviderCredential) }, 200);
  });
}
