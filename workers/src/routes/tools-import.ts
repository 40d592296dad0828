// Import webhook tools from an OpenAPI 3.x document (JSON or YAML text, a parsed object, or a URL
// fetched server-side through the SSRF guard): a preview first, then creation on confirm.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { CreateToolBody, FieldError, ImportToolsBody as ImportBody, ImportToolsResult as ImportResult, maxOpenApiDocumentBytes as maxDocumentBytes, newId, type CreateToolBody as CreateToolBodyT } from "@speaknode/contracts";
import { tools } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError, fieldErrorsFromZod } from "../errors.ts";
import { encryptJson } from "../lib/secrets.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { importOpenApi, OpenApiImportError, parseOpenApiText, type ImportedTool } from "../tools/openapi-import.ts";
import { OutboundError, safeFetch } from "../tools/safe-fetch.ts";
import { toTool } from "../tools/serialize.ts";
import { checkTool } from "../tools/validate-tool.ts";
import { toolUrlOrigin, toolUrlPolicy } from "../tools/tool-url.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/tools/import",
  tags: ["tools"],
  summary: "Turn an OpenAPI 3.x document's operations into webhook tools: preview, then confirm to create",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(ImportBody) },
  responses: { 200: jsonResponse(ImportResult, "The preview"), 201: jsonResponse(ImportResult, "The created tools"), ...errorResponses },
});

async function loadDocument(c: Context<AppEnv>, source: z.infer<typeof ImportBody>["source"]): Promise<{ doc: unknown; documentUrl?: string }> {
  if (source.type === "document") return { doc: typeof source.document === "string" ? parseOpenApiText(source.document) : source.document };
  const allowLoopback = c.get("config").devTools.enabled;
  try {
    const res = await safeFetch(source.url, { headers: { accept: "application/json, application/yaml, text/yaml, */*" } }, { allowLoopback, allowHttp: allowLoopback, maxBytes: maxDocumentBytes, timeoutMs: 10_000 });
    return { doc: parseOpenApiText(res.text, res.contentType ?? undefined), documentUrl: res.url.toString() };
  } catch (err) {
    if (err instanceof OutboundError) throw new ApiError("validation_failed", `the document could not be fetched: ${err.message}`, { errors: [{ field: "body.source.url", message: err.message }] });
    throw err;
  }
}

/** A base URL replaces the whole server of an absolute URL, or prefixes a relative one (keeping
 *  a relative server's own path prefix such as /api/v3). */
function withBaseUrl(item: ImportedTool, baseUrl: string | undefined): CreateToolBodyT | Record<string, unknown> {
  if (!baseUrl) return item.draft;
  const base = baseUrl.replace(/\/$/, "");
  return { ...item.draft, url: item.draft.url.startsWith("/") ? base + item.draft.url : base + item.source.path };
}

/** Where each argument goes; a body that is not an object travels whole under `bodyProperty`. */
function locations(item: ImportedTool): Record<string, "path" | "query" | "body" | "bodyRoot"> {
  return item.bodyProperty ? { ...item.parameterLocations, [item.bodyProperty]: "bodyRoot" } : item.parameterLocations;
}

export function registerToolsImport(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId);
    const db = c.get("db");
    let imported: ReturnType<typeof importOpenApi>;
    try {
      const { doc, documentUrl } = await loadDocument(c, body.source);
      imported = importOpenApi(doc, documentUrl ? { documentUrl } : {});
    } catch (err) {
      if (err instanceof OpenApiImportError) throw new ApiError("validation_failed", err.message, { errors: err.errors });
      throw err;
    }
    const selected = body.operations ? new Set(body.operations) : undefined;
    const items = [];
    for (const item of imported.tools) {
      const draft = withBaseUrl(item, body.baseUrl);
      const parsed = CreateToolBody.safeParse({ ...draft, secretHeaders: body.secretHeaders });
      let errors: FieldError[] = parsed.success ? [] : fieldErrorsFromZod(parsed.error, "draft");
      if (parsed.success) {
        try {
          await checkTool(db, spaceId, { ...parsed.data, secretHeaderNames: Object.keys(body.secretHeaders) }, toolUrlPolicy(c.get("config")));
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          errors = (err.errors ?? []).map((e) => ({ ...e, field: e.field.replace(/^body\./, "draft.") }));
        }
      }
      // Secret values go into the created rows only, never back into a response.
      const shown = parsed.success ? (({ secretHeaders: _s, ...rest }) => rest)(parsed.data) : draft;
      items.push({ item, draft: shown, errors, needsBaseUrl: item.needsBaseUrl && !body.baseUrl });
    }
    const preview = items.map(({ item, draft, errors, needsBaseUrl }) => ({ draft: draft as Record<string, unknown>, errors, needsBaseUrl, securityHints: item.securityHints, source: item.source }));
    if (!body.confirm) return c.json({ confirmed: false, tools: preview, created: [], warnings: imported.warnings }, 200);

    const chosen = items.filter(({ draft }) => !selected || selected.has(String((draft as { code?: unknown }).code)));
    const failing = chosen.flatMap(({ draft, errors }) => errors.map((e) => ({ field: `tools.${String((draft as { code?: unknown }).code)}.${e.field.replace(/^draft\./, "")}`, message: e.message })));
    if (selected) {
      const known = new Set(items.map(({ draft }) => String((draft as { code?: unknown }).code)));
      body.operations?.forEach((code, i) => {
        if (!known.has(code)) failing.push({ field: `body.operations.${i}`, message: `no operation became a tool called "${code}"` });
      });
    }
    if (failing.length > 0 || chosen.length === 0) {
      throw new ApiError("validation_failed", chosen.length === 0 ? "nothing to create" : "some selected tools are not valid; nothing was created", { errors: failing });
    }
    const sealed = Object.keys(body.secretHeaders).length ? await encryptJson(c.get("config").secretsKey, body.secretHeaders) : null;
    const created = await db.transaction(async (tx) => {
      const rows = [];
      for (const { item, draft } of chosen) {
        const { secretHeaders: _secrets, ...fields } = CreateToolBody.parse({ ...draft, secretHeaders: body.secretHeaders });
        const [row] = await tx
          .insert(tools)
          .values({ id: newId("tool"), spaceId, ...fields, headersSchema: fields.headersSchema ?? null, bodySchema: fields.bodySchema ?? null, preToolSpeech: fields.preToolSpeech ?? null, progressSpeech: fields.progressSpeech ?? null, secretHeaders: sealed, secretHeaderNames: Object.keys(body.secretHeaders), secretOrigin: sealed === null ? null : toolUrlOrigin(fields.url), parameterLocations: locations(item) })
          .returning();
        if (!row) throw new Error("tool insert returned no row");
        rows.push(toTool(row));
      }
      return rows;
    });
    return c.json({ confirmed: true, tools: preview, created, warnings: imported.warnings }, 201);
  });
}
