// Turns an OpenAPI 3.0/3.1 document into webhook tool drafts, one per GET/POST/PUT/PATCH/DELETE
// operation. Path and query parameters and the properties of a JSON or form request body become
// one flat body schema (what the LLM fills in); `parameterLocations` tells the runtime where each
// goes, `bodyEncoding` and `parameterStyles` how. Large documents (Stripe's 4 MB, ~400
// operations) are handled in two steps: `indexOpenApi` lists every operation with its code
// without converting a schema, and `importOpenApi(doc, { codes })` converts only those asked for.
// Recoverable gaps (file uploads, cookie parameters, relative servers) become warnings;
// malformed documents become an OpenApiImportError naming the fields. The caller bounds the size.
import { parse as parseYaml } from "yaml";
import { CreateToolBody, HeaderName, type FieldError, type ImportCredential, type ImportOperationSummary, type JsonSchema, type ParameterStyle } from "@speaknode/contracts";
import { convertSchema, deref, isRecord, maxSchemaNodes, type SchemaContext } from "./openapi-schema.ts";
import { securityNeeds, serverBase } from "./openapi-parts.ts";
import { operationCodes } from "./openapi-codes.ts";
import { chooseBodyMedia, collectParameters, formStyles, type BodyMedia } from "./openapi-encoding.ts";

const methods = ["get", "post", "put", "patch", "delete"] as const;
type Method = (typeof methods)[number];

export type ParameterLocation = "path" | "query" | "body";
export type ImportedDraft = Omit<CreateToolBody, "secretHeaders" | "secretQueryParams">;

export interface ImportedTool {
  /** With `bodyEncoding` (json, or form for form-encoded bodies) and `parameterStyles` (non-default styles only). */
  draft: ImportedDraft;
  /** Where each bodySchema property goes: a `{param}` of the URL, the query string, or the body. */
  parameterLocations: Record<string, ParameterLocation>;
  /**
   * Set when the body is not an object with properties (or its names clash with
   * parameters): this property's value is then the whole request body.
   */
  bodyProperty?: string;
  /** The URL is a path only (no or relative server): a base URL must be set before saving. */
  needsBaseUrl: boolean;
  /** Header names the operation's security schemes need (see `credentials`). */
  securityHints: string[];
  /** What the user must fill in for the operation's security schemes (any one requirement). */
  credentials: ImportCredential[];
  source: { path: string; method: string; operationId?: string };
}

export interface ImportResult {
  tools: ImportedTool[];
  warnings: string[];
  /** Every importable operation of the document, in document order (as `indexOpenApi` gives). */
  operations: ImportOperationSummary[];
}

export interface OpenApiIndex {
  /** Every importable operation, in document order, with the code `importOpenApi` gives it. */
  operations: ImportOperationSummary[];
  warnings: string[];
}

export interface ImportOptions {
  /** Where the document was fetched from: relative server URLs resolve against it (as the spec says). */
  documentUrl?: string;
  /** Converts only the operations with these codes (all when omitted); unknown codes are ignored. */
  codes?: ReadonlySet<string> | readonly string[];
}

export class OpenApiImportError extends Error {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join("; "));
    this.name = "OpenApiImportError";
    this.errors = errors;
  }
}

function fail(field: string, message: string): never {
  throw new OpenApiImportError([{ field, message }]);
}

/** Parses JSON or YAML (JSON when the content type or the first character says so). */
export function parseOpenApiText(text: string, contentType?: string): unknown {
  const body = text.replace(/^\uFEFF/, "");
  const media = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  const saysJson = media === "application/json" || media.endsWith("+json");
  let doc: unknown;
  let jsonError: string | undefined;
  if (saysJson || (!media.includes("yaml") && /^\s*\{/.test(body))) {
    try {
      doc = JSON.parse(body);
    } catch (e) {
      jsonError = e instanceof Error ? e.message : String(e);
    }
  }
  if (saysJson && jsonError !== undefined) fail("document", `is not valid JSON: ${jsonError}`);
  if (doc === undefined) {
    try {
      // Alias expansion is capped (billion laughs); duplicate keys are errors.
      doc = parseYaml(body, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: false });
    } catch (e) {
      const reason = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      fail("document", `is neither JSON nor YAML (${jsonError ?? reason})`);
    }
  }
  if (!isRecord(doc)) fail("document", "is neither a JSON nor a YAML object; an OpenAPI document is a mapping with an `openapi` field");
  return doc;
}

function checkVersion(doc: Record<string, unknown>): void {
  if (doc.swagger !== undefined) fail("document.swagger", `Swagger ${String(doc.swagger)} is not supported: convert the document to OpenAPI 3 first`);
  const version = doc.openapi;
  if (typeof version !== "string") fail("document.openapi", "is missing or not a string: this is not an OpenAPI 3.0/3.1 document");
  if (!/^3\.[01](\.\d+)?(-[\w.]+)?$/.test(version)) fail("document.openapi", `version ${version} is not supported (3.0.x and 3.1.x are)`);
}

interface Operation {
  code: string;
  path: string;
  method: Method;
  item: Record<string, unknown>;
  op: Record<string, unknown>;
  body: BodyMedia;
}

interface InternalIndex {
  doc: Record<string, unknown>;
  entries: Operation[];
  operations: ImportOperationSummary[];
  warnings: string[];
  /** Malformed paths and operations: thrown by both functions (with the conversion's own). */
  errors: FieldError[];
}

// The route indexes a document, then converts a page of it: the second walk is saved.
const indexes = new WeakMap<object, InternalIndex>();

function summaryOf(op: Record<string, unknown>): string {
  const text = [op.summary, op.description].find((t): t is string => typeof t === "string" && t.trim() !== "");
  return (text?.trim().split("\n")[0] ?? "").slice(0, 300).trim();
}

function buildIndex(doc: unknown): InternalIndex {
  if (!isRecord(doc)) fail("document", "must be an object");
  const cached = indexes.get(doc);
  if (cached) return cached;
  checkVersion(doc);
  if (!isRecord(doc.paths)) fail("document.paths", "is missing: there are no operations to import");
  const warnings = new Set<string>();
  const ctx: SchemaContext = { doc, warn: (m) => warnings.add(m), budget: maxSchemaNodes };
  const errors: FieldError[] = [];
  const found: Array<Omit<Operation, "code">> = [];
  for (const [path, raw] of Object.entries(doc.paths)) {
    if (path.startsWith("x-")) continue;
    const field = `document.paths.${path}`;
    if (!path.startsWith("/")) {
      errors.push({ field, message: "must start with /" });
      continue;
    }
    const item = deref(ctx, raw, path);
    if (!isRecord(item)) {
      errors.push({ field, message: "must be a path item object" });
      continue;
    }
    for (const other of ["head", "options", "trace"]) {
      if (item[other] !== undefined) ctx.warn(`${other.toUpperCase()} ${path}: only GET, POST, PUT, PATCH and DELETE operations are imported`);
    }
    for (const method of methods) {
      const op = item[method];
      if (op === undefined) continue;
      if (!isRecord(op)) {
        errors.push({ field: `${field}.${method}`, message: "must be an operation object" });
        continue;
      }
      const body = chooseBodyMedia(ctx, `${method.toUpperCase()} ${path}`, op.requestBody);
      if (body.kind !== "skip") found.push({ path, method, item, op, body });
    }
  }
  if (errors.length === 0 && found.length === 0) fail("document.paths", "has no GET, POST, PUT, PATCH or DELETE operation that can be imported");
  const codes = operationCodes(found.map(({ path, method, op }) => ({ path, method, ...(typeof op.operationId === "string" ? { operationId: op.operationId } : {}) })));
  const entries = found.map((o, i) => {
    const { code, taken } = codes[i] ?? { code: o.method };
    if (taken !== undefined) ctx.warn(`${o.method.toUpperCase()} ${o.path}: code ${taken} is taken by another operation; named ${code}`);
    return { ...o, code };
  });
  const operations = entries.map(({ code, method, path, op }) => ({
    code,
    method: method.toUpperCase(),
    path,
    summary: summaryOf(op),
    tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === "string") : [],
    deprecated: op.deprecated === true,
  }));
  // Warnings of the conversion join these; the index's own are fixed here.
  const index = { doc, entries, operations, warnings: [...warnings], errors };
  indexes.set(doc, index);
  return index;
}

/** Every importable operation with its code, without converting any schema (cheap on 4 MB documents). */
export function indexOpenApi(doc: unknown): OpenApiIndex {
  const { operations, warnings, errors } = buildIndex(doc);
  if (errors.length > 0) throw new OpenApiImportError(errors);
  return { operations, warnings };
}

export function importOpenApi(doc: unknown, options: ImportOptions = {}): ImportResult {
  const index = buildIndex(doc);
  const warnings = new Set(index.warnings);
  const ctx: SchemaContext = { doc: index.doc, warn: (m) => warnings.add(m), budget: maxSchemaNodes };
  const codes = options.codes === undefined ? undefined : new Set(options.codes);
  const errors: FieldError[] = [...index.errors];
  const tools: ImportedTool[] = [];
  for (const operation of index.entries) {
    if (codes && !codes.has(operation.code)) continue;
    ctx.budget = maxSchemaNodes;
    const tool = importOperation(ctx, operation, errors, options);
    if (tool) tools.push(tool);
  }
  if (errors.length > 0) throw new OpenApiImportError(errors);
  return { tools, warnings: [...warnings], operations: index.operations };
}

// Set by the platform (secret headers) or by the runtime, never by the LLM.
const reservedHeaders = new Set(["authorization", "content-type", "accept"]);

type Body = { kind: "none" } | { kind: "json" | "form"; schema: JsonSchema; media: Record<string, unknown>; required: boolean; description?: string };

function convertBody(ctx: SchemaContext, label: string, media: BodyMedia): Body {
  if (media.kind === "none" || media.kind === "skip") return { kind: "none" };
  const schema = convertSchema(ctx, media.media.schema, `${label} body`);
  return { kind: media.kind, schema, media: media.media, required: media.required, ...(media.description !== undefined ? { description: media.description } : {}) };
}

function importOperation(ctx: SchemaContext, { code, path, method, item, op, body: media }: Operation, errors: FieldError[], options: ImportOptions): ImportedTool | undefined {
  const label = `${method.toUpperCase()} ${path}`;
  const field = `document.paths.${path}.${method}`;
  const params = collectParameters(ctx, label, [[item.parameters, `document.paths.${path}.parameters`], [op.parameters, `${field}.parameters`]], errors);
  const body = convertBody(ctx, label, media);

  const properties: Record<string, JsonSchema> = {};
  const styles: Record<string, ParameterStyle> = {};
  const required: string[] = [];
  const locations: Record<string, ParameterLocation> = {};
  const templateNames = [...path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1] ?? "");
  for (const name of templateNames) {
    const param = params.get(`path:${name}`);
    if (!param) ctx.warn(`${label}: path parameter {${name}} is not declared; taken as a string`);
    properties[name] = param?.schema ?? { type: "string" };
    if (param?.style) styles[name] = param.style;
    required.push(name);
    locations[name] = "path";
  }
  const headerProps: Record<string, JsonSchema> = {};
  const headerRequired: string[] = [];
  for (const param of params.values()) {
    if (param.in === "path" && !templateNames.includes(param.name)) ctx.warn(`${label}: path parameter ${param.name} is not in the path; left out`);
    else if (param.in === "cookie") ctx.warn(`${label}: cookie parameter ${param.name} is not supported; left out`);
    else if (param.in === "query") {
      if (Object.hasOwn(properties, param.name)) {
        ctx.warn(`${label}: query parameter ${param.name} has the name of a path parameter; left out`);
        continue;
      }
      properties[param.name] = param.schema;
      if (param.style) styles[param.name] = param.style;
      if (param.required) required.push(param.name);
      locations[param.name] = "query";
    } else if (param.in === "header") {
      const lower = param.name.toLowerCase();
      if (reservedHeaders.has(lower)) {
        ctx.warn(
          lower === "authorization"
            ? `${label}: header parameter ${param.name} is left out: give its value as a secret header`
            : `${label}: header parameter ${param.name} is left out: the runtime sets it (add a plain or secret header for a fixed value)`,
        );
      } else if (!HeaderName.safeParse(param.name).success) ctx.warn(`${label}: header parameter ${param.name} is not a valid header name; left out`);
      else {
        headerProps[param.name] = param.schema;
        if (param.required) headerRequired.push(param.name);
      }
    }
  }

  let bodyProperty: string | undefined;
  if (body.kind !== "none") {
    const s = body.schema;
    let bodyProps = s.type === "object" && !s.oneOf && !s.anyOf && !s.allOf ? s.properties : undefined;
    let clash = bodyProps ? Object.keys(bodyProps).filter((n) => Object.hasOwn(properties, n)) : [];
    // A form cannot travel nested under one argument the way a JSON body can; optional form
    // fields named like a parameter (Twilio's AccountSid) are left out instead.
    if (body.kind === "form" && bodyProps && clash.length > 0 && !clash.some((n) => s.required?.includes(n))) {
      ctx.warn(`${label}: optional form fields ${clash.join(", ")} have the names of parameters; left out`);
      bodyProps = Object.fromEntries(Object.entries(bodyProps).filter(([n]) => !clash.includes(n)));
      clash = [];
    }
    if (bodyProps && clash.length === 0) {
      for (const [name, prop] of Object.entries(bodyProps)) {
        properties[name] = prop;
        locations[name] = "body";
      }
      if (body.kind === "form") Object.assign(styles, formStyles(ctx, label, body.media, bodyProps));
      required.push(...(s.required ?? []));
    } else {
      if (clash.length > 0) ctx.warn(`${label}: body properties ${clash.join(", ")} clash with parameters; the body is nested under its own property`);
      let name = "body";
      for (let n = 2; Object.hasOwn(properties, name); n++) name = `body_${n}`;
      properties[name] = { ...s, ...(s.description === undefined && body.description !== undefined ? { description: body.description } : {}) };
      if (body.required) required.push(name);
      locations[name] = "body";
      bodyProperty = name;
      if (body.kind === "form" && !(s.type === "object" && s.properties)) ctx.warn(`${label}: its form body is not an object with properties; the value is sent as the form's fields`);
    }
  }

  const operationId = typeof op.operationId === "string" ? op.operationId : undefined;
  const servers = [op.servers, item.servers, ctx.doc.servers].find((s) => Array.isArray(s) && s.length > 0);
  const server = serverBase(ctx, servers, options.documentUrl);
  const summary = [op.summary, op.description].find((t): t is string => typeof t === "string" && t.trim() !== "");
  const draft: ImportedDraft = {
    code,
    description: summary?.trim().slice(0, 1000).trim() ?? label,
    method: method.toUpperCase() as ImportedDraft["method"],
    url: `${server.base}${path}`,
    ...(Object.keys(headerProps).length > 0 ? { headersSchema: objectSchema(headerProps, headerRequired) } : {}),
    ...(Object.keys(properties).length > 0 ? { bodySchema: objectSchema(properties, required) } : {}),
    headers: {},
    timeoutMs: 10_000,
    transferRules: [],
    bodyEncoding: body.kind === "form" ? "form" : "json",
    parameterStyles: styles,
  };
  // Guarantees what the caller saves; only absurd inputs (a 2000+ character URL) end here.
  const checked = CreateToolBody.safeParse(draft);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    ctx.warn(`${label}: skipped: ${issue ? `${issue.path.join(".")} ${issue.message}` : "not a valid tool"}`);
    return undefined;
  }
  const security = securityNeeds(ctx, label, op.security ?? ctx.doc.security);
  return {
    draft,
    parameterLocations: locations,
    ...(bodyProperty !== undefined ? { bodyProperty } : {}),
    needsBaseUrl: !server.absolute,
    securityHints: security.hints,
    credentials: security.credentials,
    source: { path, method, ...(operationId !== undefined ? { operationId } : {}) },
  };
}

function objectSchema(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  const unique = [...new Set(required)];
  return { type: "object", properties, ...(unique.length > 0 ? { required: unique } : {}) };
}
