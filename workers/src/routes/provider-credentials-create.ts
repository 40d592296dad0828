// An Owner adds a provider key for the space's agents. The base URL (the provider's public API by
// default) must pass the SSRF policy; the key is sealed to this credential and that URL.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateProviderCredentialBody, newId, ProviderCredential } from "@speaknode/contracts";
import { providerCredentials } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { requirePlan } from "../billing/admission.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { sealKey, toProviderCredential, vetBaseUrl } from "../providers/credentials.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/provider-credentials",
  tags: ["provider-credentials"],
  summary: "Add a provider key (Owner); it is only ever sent to its base URL and never returned",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(CreateProviderCredentialBody) },
  responses: { 201: jsonResponse(ProviderCredential, "The provider key, without the key"), ...errorResponses },
});

export function registerProviderCredentialsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    await requirePlan(c, spaceId, { feature: "byoProviderKeys" });
    const baseUrl = vetBaseUrl(body.baseUrl, body.provider, { allowLoopback: c.get("config").devTools.enabled });
    const id = newId("providerCredential");
    const p = c.get("principal");
    const [row] = await c
      .get("db")
      .insert(providerCredentials)
      .values({ id, spaceId, provider: body.provider, name: body.name, baseUrl, ...(await sealKey(c.get("config").secretsKey, id, baseUrl, body.apiKey)), createdBy: p.type === "user" ? p.userId : null })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new ApiError("validation_failed", "the provider key is not valid", { errors: [{ field: "body.name", message: `another provider key of this space is already called "${body.name}"` }] });
    return c.json(toProviderCredential(row), 201);
  });
}
