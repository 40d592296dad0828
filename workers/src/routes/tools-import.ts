// Import webhook tools from an OpenAPI 3.x document (JSON or YAML text, a parsed object, or a URL
// fetched server-side through the SSRF guard), up to 10 MiB: a preview first, then creation on
// confirm. The preview lists every importable operation (the index: cheap, no schema converted)
// and converts only the drafts asked for (`operations`) or one page of the search, so a user can
// pick 5 operations out of Stripe's 400 without the Worker converting all of them.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, eq, inArray } from "drizzle-orm";
import {
  CreateToolBody,
  FieldError,
  ImportToolsBody as ImportBody,
  ImportToolsResult as ImportResult,
  maxImportedTools,
  maxImportRequestBytes,
  maxOpenApiDocumentBytes as maxDocumentBytes,
  newId,
  type ImportCredential,
  type ImportOperationSummary,
} from "@speaknode/contracts";
import { tools } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError, fieldErrorsFromZod } from "../errors.ts";
import { encryptJson } from "../lib/secrets.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { importOpenApi, indexOpenApi, OpenApiImportError, parseOpenApiText, type ImportedTool } from "../tools/openapi-import.ts";
import { OutboundError, safeFetch } from "../tools/safe-fetch.ts";
import { toTool } from "../tools/serialize.ts";
import { checkToolDraft } from "../tools/validate-tool.ts";
import { toolUrlOrigin, toolUrlPolicy } from "../tools/tool-url.ts";
import { SpaceParams } from "./params.ts";

const mib = (bytes: number) => `${bytes / 1024 / 1024} MiB`;

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/tools/import",
  tags: ["tools"],
  summary: "Turn an OpenAPI 3.x document's operations into webhook tools: preview (the index of every operation, drafts for `operations` or a `search`/`offset`/`limit` page), then confirm to create (at most 200)",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(ImportBody) },
  responses: {
    200: jsonResponse(ImportResult, "The preview"),
    201: jsonResponse(ImportResult, "The created tools"),
    ...errorResponses,
    413: problemSpec(`The body is larger than ${mib(maxImportRequestBytes)} (a document of up to ${mib(maxDocumentBytes)}, escaped inside JSON)`),
  },
});

type Body = z.infer<typeof ImportBody>;

async function loadDocument(c: Context<AppEnv>, source: Body["source"]): Promise<{ doc: unknown; documentUrl?: string }> {
  if (source.type === "document") return { doc: typeof source.document === "string" ? parseOpenApiText(source.document) : source.document };
  const allowLoopback = c.get("config").devTools.enabled;
  try {
    const res = await safeFetch(source.url, { headers: { accept: "application/json, application/yaml, text/yaml, */*" } }, { allowLoopback, allowHttp: allowLoopback, maxBytes: maxDocumentBytes, timeoutMs: 15_000 });
    return { doc: parseOpenApiText(res.text, res.contentType ?? undefined), documentUrl: res.url.toString() };
  } catch (err) {
    if (err instanceof OutboundError) throw new ApiError("validation_failed", `the document could not be fetched: ${err.message}`, { errors: [{ field: "body.source.url", message: err.message }] });
    throw err;
  }
}

/** A base URL replaces the whole server of an absolute URL, or prefixes a relative one (keeping
 *  a relative server's own path prefix such as /api/v3). */
function withBaseUrl(item: ImportedTool, baseUrl: string | undefined): Record<string, unknown> {
  if (!baseUrl) return item.draft;
  const base = baseUrl.replace(/\/$/, "");
  return { ...item.draft, url: item.draft.url.startsWith("/") ? base + item.draft.url : base + item.source.path };
}

/** Where each argument goes; a body that is not an object travels whole under `bodyProperty`. */
function locations(item: ImportedTool): Record<string, "path" | "query" | "body" | "bodyRoot"> {
  return item.bodyProperty ? { ...item.parameterLocations, [item.bodyProperty]: "bodyRoot" } : item.parameterLocations;
}

/** The secret headers every created tool gets: those given, plus `Authorization: Basic …` from `basicAuth`. */
function secretHeadersOf(body: Body): Record<string, string> {
  if (!body.basicAuth) return body.secretHeaders;
  if (Object.keys(body.secretHeaders).some((h) => h.toLowerCase() === "authorization")) {
    throw new ApiError("validation_failed", "give HTTP basic credentials either as `basicAuth` or as an Authorization secret header, not both", { errors: [{ field: "body.basicAuth", message: "an Authorization secret header is also given" }] });
  }
  if (body.basicAuth.username.includes(":")) {
    throw new ApiError("validation_failed", "an HTTP basic username cannot hold a colon (RFC 7617)", { errors: [{ field: "body.basicAuth.username", message: "must not contain ':'" }] });
  }
  const pair = new TextEncoder().encode(`${body.basicAuth.username}:${body.basicAuth.password}`);
  return { ...body.secretHeaders, Authorization: `Basic ${btoa(String.fromCharCode(...pair))}` };
}

/** Whether an operation matches a search: its code, path, summary or a tag contains it, ignoring case. */
function matches(op: ImportOperationSummary, needle: string): boolean {
  return [op.code, op.path, op.summary, ...op.tags].some((s) => s.toLowerCase().includes(needle));
}

/** Which operations to convert: those named (each must exist), else the page of the search. */
function choose(body: Body, index: ImportOperationSummary[]): { codes: string[]; matched: number; offset: number; limit: number } {
  const known = new Set(index.map((o) => o.code));
  if (body.operations) {
    const unknown = body.operations.flatMap((code, i) => (known.has(code) ? [] : [{ field: `body.operations.${i}`, message: `no operation of the document is called "${code}"` }]));
    if (unknown.length > 0) throw new ApiError("validation_failed", "some operations are not in the document", { errors: unknown });
    const codes = [...new Set(body.operations)];
    return { codes, matched: codes.length, offset: 0, limit: codes.length };
  }
  if (body.confirm) {
    if (index.length > maxImportedTools) {
      throw new ApiError("validation_failed", `the document has ${index.length} importable operations; one import creates at most ${maxImportedTools}: choose them with \`operations\``, {
        errors: [{ field: "body.operations", message: `required when the document has more than ${maxImportedTools} operations` }],
      });
    }
    return { codes: index.map((o) => o.code), matched: index.length, offset: 0, limit: index.length };
  }
  const needle = body.search?.toLowerCase();
  const found = needle ? index.filter((o) => matches(o, needle)) : index;
  return { codes: found.slice(body.offset, body.offset + body.limit).map((o) => o.code), matched: found.length, offset: body.offset, limit: body.limit };
}

function uniqueCredentials(items: ImportedTool[]): ImportCredential[] {
  const seen = new Map<string, ImportCredential>();
  for (const c of items.flatMap((i) => i.credentials)) seen.set(`${c.kind}:${c.name}:${c.scheme}`, c);
  return [...seen.values()];
}

export function registerToolsImport(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId);
    const secretHeaders = secretHeadersOf(body);
    const db = c.get("db");
    let imported: ReturnType<typeof importOpenApi>;
    let page: ReturnType<typeof choose>;
    try {
      const { doc, documentUrl } = await loadDocument(c, body.source);
      const index = indexOpenApi(doc);
      page = choose(body, index.operations);
      imported = importOpenApi(doc, { codes: page.codes, ...(documentUrl ? { documentUrl } : {}) });
    } catch (err) {
      if (err instanceof OpenApiImportError) throw new ApiError("validation_failed", err.message, { errors: err.errors });
      throw err;
    }

    // One query for the codes already taken in the space, rather than one per draft.
    const codes = imported.tools.map((t) => t.draft.code);
    const taken = new Set(codes.length ? (await db.select({ code: tools.code }).from(tools).where(and(eq(tools.spaceId, spaceId), inArray(tools.code, codes)))).map((r) => r.code) : []);
    const policy = toolUrlPolicy(c.get("config"));
    const items = imported.tools.map((item) => {
      const draft = withBaseUrl(item, body.baseUrl);
      const parsed = CreateToolBody.safeParse({ ...draft, secretHeaders, secretQueryParams: body.secretQueryParams });
      let errors: FieldError[] = parsed.success ? [] : fieldErrorsFromZod(parsed.error, "draft");
      if (parsed.success) {
        const d = parsed.data;
        const found = checkToolDraft({ ...d, secretHeaderNames: Object.keys(d.secretHeaders), secretQueryParamNames: Object.keys(d.secretQueryParams), parameterLocations: locations(item) }, policy);
        if (taken.has(d.code)) found.push({ field: "body.code", message: `another tool of this space is already called "${d.code}"` });
        errors = found.map((e) => ({ ...e, field: e.field.replace(/^body\./, "draft.") }));
      }
      // Secret values go into the created rows only, never back into a response.
      const shown = parsed.success ? (({ secretHeaders: _h, secretQueryParams: _q, ...rest }) => rest)(parsed.data) : draft;
      return { item, fields: parsed.success ? parsed.data : undefined, draft: shown as Record<string, unknown>, errors, needsBaseUrl: item.needsBaseUrl && !body.baseUrl };
    });
    const preview = items.map(({ item, draft, errors, needsBaseUrl }) => ({ draft, errors, needsBaseUrl, securityHints: item.securityHints, credentials: item.credentials, source: item.source }));
    const result = { tools: preview, warnings: imported.warnings, operations: imported.operations, total: imported.operations.length, ...page, credentials: uniqueCredentials(imported.tools) };
    if (!body.confirm) return c.json({ confirmed: false, created: [], ...result }, 200);

    const failing = items.flatMap(({ item, errors }) => errors.map((e) => ({ field: `tools.${item.draft.code}.${e.field.replace(/^draft\./, "")}`, message: e.message })));
    if (failing.length > 0 || items.length === 0) {
      throw new ApiError("validation_failed", items.length === 0 ? "nothing to create" : "some selected tools are not valid; nothing was created", { errors: failing });
    }
    const key = c.get("config").secretsKey;
    const sealedHeaders = Object.keys(secretHeaders).length ? await encryptJson(key, secretHeaders) : null;
    const sealedQuery = Object.keys(body.secretQueryParams).length ? await encryptJson(key, body.secretQueryParams) : null;
    const created = await db.transaction(async (tx) => {
      const rows = [];
      for (const { item, fields } of items) {
        if (!fields) throw new Error("a valid draft has no fields");
        const { secretHeaders: _h, secretQueryParams: _q, ...rest } = fields;
        const [row] = await tx
          .insert(tools)
          .values({
            id: newId("tool"),
            spaceId,
            ...rest,
            headersSchema: rest.headersSchema ?? null,
            bodySchema: rest.bodySchema ?? null,
            preToolSpeech: rest.preToolSpeech ?? null,
            progressSpeech: rest.progressSpeech ?? null,
            secretHeaders: sealedHeaders,
            secretHeaderNames: Object.keys(secretHeaders),
            secretQuery: sealedQuery,
            secretQueryNames: Object.keys(body.secretQueryParams),
            // Bound to each tool's own origin: a base URL or the document's server.
            secretOrigin: sealedHeaders ?? sealedQuery ? toolUrlOrigin(rest.url) : null,
            parameterLocations: locations(item),
          })
          .onConflictDoNothing()
          .returning();
        // A tool of that code created since the check above: the whole import is rolled back.
        if (!row) throw new ApiError("validation_failed", "some selected tools are not valid; nothing was created", { errors: [{ field: `tools.${rest.code}.code`, message: `another tool of this space is already called "${rest.code}"` }] });
        rows.push(toTool(row));
      }
      return rows;
    });
    return c.json({ confirmed: true, created, ...result }, 201);
  });
}
