// The provider catalog: everyone signed in reads the enabled models; the platform Admin adds,
// disables and tunes them.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { CatalogModel, CreateCatalogModelBody, newId, offlineProviders, paramIssues, systemToolDescriptions, UpdateCatalogModelBody, text } from "@speaknode/contracts";
import { catalogModels } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { ApiError, notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, iso, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { CatalogModelParams } from "./params-agents.ts";

type Row = typeof catalogModels.$inferSelect;
const toModel = (r: Row) => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) });

const CatalogList = z.object({
  data: z.array(CatalogModel),
  systemTools: z.array(z.object({ name: text(), description: text() })),
});

const base = { tags: ["catalog"], security: bearerSecurity };
export const listRoute = createRoute({
  ...base,
  method: "get",
  path: "/v1/catalog",
  summary: "Models agents may choose, and the system tools; `all=true` (platform Admin) includes disabled ones",
  request: { query: z.strictObject({ kind: z.enum(["llm", "stt", "tts", "vad"]).optional(), all: z.enum(["true", "false"]).optional() }) },
  responses: { 200: jsonResponse(CatalogList, "The catalog"), ...errorResponses },
});
export const createModelRoute = createRoute({ ...base, method: "post", path: "/v1/catalog", summary: "Add a model (platform Admin)", request: { body: jsonBody(CreateCatalogModelBody) }, responses: { 201: jsonResponse(CatalogModel, "The model"), ...errorResponses } });
export const updateModelRoute = createRoute({ ...base, method: "patch", path: "/v1/catalog/{modelId}", summary: "Enable, disable or tune a model (platform Admin)", request: { params: CatalogModelParams, body: jsonBody(UpdateCatalogModelBody) }, responses: { 200: jsonResponse(CatalogModel, "The model"), ...errorResponses } });

export function registerCatalog(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { kind, all } = c.req.valid("query");
    if (all === "true") requirePlatformAdmin(c);
    const rows = await c
      .get("db")
      .select()
      .from(catalogModels)
      .where(and(kind ? eq(catalogModels.kind, kind) : undefined, all === "true" ? undefined : eq(catalogModels.enabled, true)))
      .orderBy(asc(catalogModels.kind), asc(catalogModels.provider), asc(catalogModels.model));
    const systemTools = Object.entries(systemToolDescriptions).map(([name, description]) => ({ name, description }));
    return c.json({ data: rows.map(toModel), systemTools }, 200);
  });

  app.openapi(createModelRoute, async (c) => {
    requirePlatformAdmin(c);
    const body = c.req.valid("json");
    const [row] = await c
      .get("db")
      .insert(catalogModels)
      .values({ id: newId("catalogModel"), ...body, offline: offlineProviders.has(body.provider) })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new ApiError("conflict", `the catalog already has ${body.kind} model "${body.model}" of "${body.provider}"`);
    return c.json(toModel(row), 201);
  });

  app.openapi(updateModelRoute, async (c) => {
    requirePlatformAdmin(c);
    const patch = c.req.valid("json");
    if (patch.defaultParams) {
      // Checked against the model's provider: only its tuning, plus the endpoint its platform key goes to.
      const [model] = await c.get("db").select({ kind: catalogModels.kind, provider: catalogModels.provider }).from(catalogModels).where(eq(catalogModels.id, c.req.valid("param").modelId));
      if (!model) throw notFound("catalog model");
      const issues = paramIssues(model.kind, model.provider, patch.defaultParams, "admin");
      if (issues.length > 0) throw new ApiError("validation_failed", "the default params are not valid", { errors: issues.map((i) => ({ field: `body.defaultParams.${i.path.join(".")}`, message: i.message })) });
    }
    const [row] = await c
      .get("db")
      .update(catalogModels)
      .set({ ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), updatedAt: new Date() })
      .where(eq(catalogModels.id, c.req.valid("param").modelId))
      .returning();
    if (!row) throw notFound("catalog model");
    return c.json(toModel(row), 200);
  });
}
