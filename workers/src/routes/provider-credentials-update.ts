// An Owner renames a provider key, replaces the key, or moves it to another base URL. A new URL
// needs the key in the same request: a stored key never follows an edited URL.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { idSchema, ProviderCredential, UpdateProviderCredentialBody, type CredentialProvider } from "@speaknode/contracts";
import { providerCredentials } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { sealKey, toProviderCredential, vetBaseUrl, type CredentialRow } from "../providers/credentials.ts";

export const ProviderCredentialParams = z.object({ credentialId: idSchema("providerCredential") });

/** The credential for an Owner of its space; outside the space the very 404 a made-up id gets. */
export async function loadCredential(c: Context<AppEnv>, credentialId: string): Promise<CredentialRow> {
  const [row] = await c.get("db").select().from(providerCredentials).where(eq(providerCredentials.id, credentialId));
  return (await requireInSpace(c, "provider key", row, "owner")).row;
}

export const route = createRoute({
  method: "patch",
  path: "/v1/provider-credentials/{credentialId}",
  tags: ["provider-credentials"],
  summary: "Rename a provider key, replace its key, or change its base URL together with the key (Owner)",
  security: bearerSecurity,
  request: { params: ProviderCredentialParams, body: jsonBody(UpdateProviderCredentialBody) },
  responses: { 200: jsonResponse(ProviderCredential, "The provider key, without the key"), ...errorResponses },
});

export function registerProviderCredentialsUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { credentialId } = c.req.valid("param");
    const patch = c.req.valid("json");
    const db = c.get("db");
    const row = await loadCredential(c, credentialId);
    const baseUrl = patch.baseUrl === undefined ? row.baseUrl : vetBaseUrl(patch.baseUrl, row.provider as CredentialProvider, { allowLoopback: c.get("config").devTools.enabled });
    const moved = baseUrl !== row.baseUrl;
    if (moved && patch.apiKey === undefined) {
      throw new ApiError("validation_failed", "a new base URL needs the key again", { errors: [{ field: "body.apiKey", message: "required when baseUrl changes, so a stored key is never sent to a new destination" }] });
    }
    // The key is sealed to (id, baseUrl): a new URL or a new key means a new ciphertext.
    const sealed = patch.apiKey !== undefined ? await sealKey(c.get("config").secretsKey, row.id, baseUrl, patch.apiKey) : {};
    const [updated] = await db
      .update(providerCredentials)
      .set({ ...(patch.name !== undefined ? { name: patch.name } : {}), baseUrl, ...sealed, version: sql`${providerCredentials.version} + 1`, updatedAt: new Date() })
      .where(and(eq(providerCredentials.id, row.id), eq(providerCredentials.version, row.version)))
      .returning()
      .catch((e: unknown) => {
        if (databaseErrorFields(e)?.code === "23505") throw new ApiError("validation_failed", "the provider key is not valid", { errors: [{ field: "body.name", message: `another provider key of this space is already called "${patch.name ?? row.name}"` }] });
        throw e;
      });
    if (!updated) throw new ApiError("precondition_failed", "the provider key changed while this update ran: reload it");
    return c.json(toProviderCredential(updated), 200);
  });
}
