// An Owner deletes a provider key no agent uses; while a draft or a published version names it,
// the answer is 409 with those agents' names.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { providerCredentials } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, noContent, problemSpec } from "../lib/openapi.ts";
import { agentsUsing } from "../providers/credentials.ts";
import { loadCredential, ProviderCredentialParams } from "./provider-credentials-update.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/provider-credentials/{credentialId}",
  tags: ["provider-credentials"],
  summary: "Delete a provider key no agent uses (Owner)",
  security: bearerSecurity,
  request: { params: ProviderCredentialParams },
  responses: { 204: noContent, ...errorResponses, 409: problemSpec("Agents still use the provider key") },
});

export function registerProviderCredentialsDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { credentialId } = c.req.valid("param");
    const db = c.get("db");
    const row = await loadCredential(c, credentialId);
    const users = await agentsUsing(db, row.spaceId, row.id);
    if (users.length > 0) throw new ApiError("conflict", `agents still use this provider key: ${users.map((a) => `"${a.name}" (${a.id})`).join(", ")}; pick another key for them first`);
    await db.delete(providerCredentials).where(eq(providerCredentials.id, row.id));
    return c.body(null, 204);
  });
}
