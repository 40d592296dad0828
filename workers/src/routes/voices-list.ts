import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { ProviderName, VoiceLibrary, voicesFor, type VoiceEntry } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { freshReports, reportedVoices } from "../agents/readiness.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/voices",
  tags: ["catalog"],
  summary: "The voices of a TTS provider: the platform's catalog, and those a voice runtime listed from the provider's API",
  security: bearerSecurity,
  request: { params: SpaceParams, query: z.strictObject({ provider: ProviderName }) },
  responses: { 200: jsonResponse(VoiceLibrary, "The provider's voices"), ...errorResponses },
});

export function registerVoicesList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { provider } = c.req.valid("query");
    await requireSpace(c, spaceId);
    const known = voicesFor(provider);
    const catalog: VoiceEntry[] = known.voices.map((v) => ({ id: v.id, name: v.name, language: v.language ?? null, gender: v.gender ?? null, style: v.note ?? null }));
    // A closed list is the provider's whole set; others grow with what the account holds.
    const listed = known.closed ? [] : reportedVoices(await freshReports(c.get("db"), new Date()), provider).filter((v) => !catalog.some((k) => k.id === v.id));
    return c.json({ provider, source: listed.length > 0 ? ("provider" as const) : ("catalog" as const), hint: known.hint, closed: known.closed, voices: [...catalog, ...listed] }, 200);
  });
}
