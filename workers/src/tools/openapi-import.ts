// Turns an OpenAPI 3.0/3.1 document into webhook tool drafts, one per GET/POST/PUT/PATCH/DELETE
// operation. Path and query parameters and the properties of a JSON request body become one flat
// body schema (what the LLM fills in); `parameterLocations` tells the runtime where each goes.
// Recoverable gaps (non-JSON bodies, cookie parameters, relative servers) become warnings;
// malformed documents become an OpenApiImportError naming the fields. The caller bounds the size.
import { parse as parseYaml } from "yaml";
import { CreateToolBody, HeaderName, type FieldError, type JsonSchema } from "@speaknode/contracts";
import { convertSchema, deref, isRecord, maxSchemaNodes, type SchemaContext } from "./openapi-schema.ts";
import { operationCode, securityHints, serverBase, uniqueCode } from "./openapi-parts.ts";

export const maxOperations = 200;
const methods = ["get", "post", "put", "patch", "delete"] as const;
type Method = (typeof methods)[number];

export type ParameterLocation = "path" | "query" | "body";
export type ImportedDraft = Omit<CreateToolBody, "secretHeaders">;

export interface ImportedTool {
  draft: ImportedDraft;
  /** Where each bodySchema property goes: a `{param}` of the URL, the query string, or the JSON body. */
  parameterLocations: Record<string, ParameterLocation>;
  /**
   * Set when the JSON body is not an object with properties (or its names clash with
   * parameters): this property's value is then the whole request body.
   */
  bodyProperty?: string;
  /** The URL is a path only (no or relative server): a base URL must be set before saving. */
  needsBaseUrl: boolean;
  /** Header names the operation's security schemes need, to be asked for as secret headers. */
  securityHints: string[];
  source: { path: string; method: string; operationId?: string };
}

export interface ImportResult {
  tools: ImportedTool[];
  warnings: string[];
}

export interface ImportOptions {
  /** Where the document was fetched from: relative server URLs resolve against it (as the spec says). */
  documentUrl?: string;
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
  path: string;
  method: Method;
  item: Record<string, unknown>;
  op: Record<string, unknown>;
}

export function importOpenApi(doc: unknown, options: ImportOptions = {}): ImportResult {
  if (!isRecord(doc)) fail("document", "must be an object");
  checkVersion(doc);
  if (!isRecord(doc.paths)) fail("document.paths", "is missing: there are no operations to import");
  const warnings = new Set<string>();
  const ctx: SchemaContext = { doc, warn: (m) => warnings.add(m), budget: maxSchemaNodes };
  const errors: FieldError[] = [];
  const operations: Operation[] = [];
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
      if (isRecord(op)) operations.push({ path, method, item, op });
      else errors.push({ field: `${field}.${method}`, message: "must be an operation object" });
    }
  }
  if (operations.length > maxOperations) fail("document.paths", `has ${operations.length} operations; at most ${maxOperations} can be imported at once`);
  if (errors.length === 0 && operations.length === 0) fail("document.paths", "has no GET, POST, PUT, PATCH or DELETE operation");
  const used = new Set<string>();
  const tools: ImportedTool[] = [];
  for (const operation of operations) {
    ctx.budget = maxSchemaNodes;
    const tool = importOperation(ctx, operation, used, errors, options);
    if (tool) tools.push(tool);
  }
  if (errors.length > 0) throw new OpenApiImportError(errors);
  return { tools, warnings: [...warnings] };
}

interface Param {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  /** Path parameters are required whatever this says: the URL cannot be built without them. */
  required: boolean;
  schema: JsonSchema;
}

/** Path-item parameters overridden by the operation's own (same name and location), as the spec says. */
function collectParameters(ctx: SchemaContext, label: string, lists: Array<[unknown, string]>, errors: FieldError[]): Map<string, Param> {
  const params = new Map<string, Param>();
  for (const [list, field] of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.push({ field, message: "must be an array" });
      continue;
    }
    list.forEach((raw, i) => {
      const p = deref(ctx, raw, `${label} parameter ${i}`);
      if (p === undefined) return;
      if (!isRecord(p) || typeof p.name !== "string" || p.name === "" || !["path", "query", "header", "cookie"].includes(String(p.in))) {
        errors.push({ field: `${field}.${i}`, message: "must be a parameter with a name and `in` of path, query, header or cookie" });
        return;
      }
      const media = isRecord(p.content) ? Object.values(p.content)[0] : undefined;
      const rawSchema = p.schema ?? (isRecord(media) ? media.schema : undefined);
      const schema = convertSchema(ctx, rawSchema ?? { type: "string" }, `${label} ${String(p.in)} parameter ${p.name}`);
      const description = typeof p.description === "string" ? p.description.trim().slice(0, 2000) : "";
      if (schema.description === undefined && description !== "") schema.description = description;
      if (schema.examples === undefined && p.example !== undefined) schema.examples = [p.example];
      const location = p.in as Param["in"];
      params.set(`${location}:${p.name}`, { name: p.name, in: location, required: p.required === true, schema });
    });
  }
  return params;
}

function isJsonMedia(type: string): boolean {
  const media = type.split(";")[0]?.trim().toLowerCase() ?? "";
  return media === "application/json" || media.endsWith("+json");
}

type Body = { kind: "none" } | { kind: "skip" } | { kind: "json"; schema: JsonSchema; required: boolean; description?: string };

function requestBody(ctx: SchemaContext, label: string, raw: unknown): Body {
  if (raw === undefined) return { kind: "none" };
  const body = deref(ctx, raw, `${label} requestBody`);
  if (!isRecord(body)) return { kind: "none" };
  const content = isRecord(body.content) ? body.content : {};
  const required = body.required === true;
  const jsonType = Object.keys(content).find(isJsonMedia);
  if (jsonType === undefined) {
    const types = Object.keys(content).join(", ") || "no media type";
    // A voice agent cannot produce files or forms; a required one makes the tool unusable.
    if (required) {
      ctx.warn(`${label}: skipped: its required request body (${types}) is not JSON`);
      return { kind: "skip" };
    }
    ctx.warn(`${label}: its optional request body (${types}) is not JSON; imported without a body`);
    return { kind: "none" };
  }
  const media = content[jsonType];
  const schema = convertSchema(ctx, isRecord(media) ? media.schema : undefined, `${label} body`);
  const description = typeof body.description === "string" && body.description.trim() !== "" ? body.description.trim().slice(0, 2000) : undefined;
  return { kind: "json", schema, required, ...(description !== undefined ? { description } : {}) };
}

// Set by the platform (secret headers) or by the runtime, never by the LLM.
const reservedHeaders = new Set(["authorization", "content-type", "accept"]);

function importOperation(ctx: SchemaContext, { path, method, item, op }: Operation, used: Set<string>, errors: FieldError[], options: ImportOptions): ImportedTool | undefined {
  const label = `${method.toUpperCase()} ${path}`;
  const field = `document.paths.${path}.${method}`;
  const params = collectParameters(ctx, label, [[item.parameters, `document.paths.${path}.parameters`], [op.parameters, `${field}.parameters`]], errors);
  const body = requestBody(ctx, label, op.requestBody);
  if (body.kind === "skip") return undefined;

  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const locations: Record<string, ParameterLocation> = {};
  const templateNames = [...path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1] ?? "");
  for (const name of templateNames) {
    const param = params.get(`path:${name}`);
    if (!param) ctx.warn(`${label}: path parameter {${name}} is not declared; taken as a string`);
    properties[name] = param?.schema ?? { type: "string" };
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
  if (body.kind === "json") {
    const s = body.schema;
    const bodyProps = s.type === "object" && !s.oneOf && !s.anyOf && !s.allOf ? s.properties : undefined;
    const clash = bodyProps ? Object.keys(bodyProps).filter((n) => Object.hasOwn(properties, n)) : [];
    if (bodyProps && clash.length === 0) {
      for (const [name, prop] of Object.entries(bodyProps)) {
        properties[name] = prop;
        locations[name] = "body";
      }
      required.push(...(s.required ?? []));
    } else {
      if (clash.length > 0) ctx.warn(`${label}: body properties ${clash.join(", ")} clash with parameters; the body is nested under its own property`);
      let name = "body";
      for (let n = 2; Object.hasOwn(properties, name); n++) name = `body_${n}`;
      properties[name] = { ...s, ...(s.description === undefined && body.description !== undefined ? { description: body.description } : {}) };
      if (body.required) required.push(name);
      locations[name] = "body";
      bodyProperty = name;
    }
  }

  const operationId = typeof op.operationId === "string" ? op.operationId : undefined;
  const base = operationCode(operationId, method, path);
  const code = uniqueCode(base, used);
  if (code !== base) ctx.warn(`${label}: code ${base} is taken by another operation; named ${code}`);
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
  };
  // Guarantees what the caller saves; only absurd inputs (a 2000+ character URL) end here.
  const checked = CreateToolBody.safeParse(draft);
  if (!checked.success) {
    used.delete(code);
    const issue = checked.error.issues[0];
    ctx.warn(`${label}: skipped: ${issue ? `${issue.path.join(".")} ${issue.message}` : "not a valid tool"}`);
    return undefined;
  }
  return {
    draft,
    parameterLocations: locations,
    ...(bodyProperty !== undefined ? { bodyProperty } : {}),
    needsBaseUrl: !server.absolute,
    securityHints: securityHints(ctx, label, op.security ?? ctx.doc.security),
    source: { path, method, ...(operationId !== undefined ? { operationId } : {}) },
  };
}

function objectSchema(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  const unique = [...new Set(required)];
  return { type: "object", properties, ...(unique.length > 0 ? { required: unique } : {}) };
}
