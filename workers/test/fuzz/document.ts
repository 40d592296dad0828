// Reads the operations of /openapi.json and builds a valid request for each from its schemas:
// the baseline the fuzz test then breaks one place at a time. Nothing here knows a route; what a
// schema alone cannot say (a catalog model that exists, an agent's variables) comes from the
// test's `examples`, keyed by operation.
export type Schema = Record<string, unknown>;

export interface Param {
  in: "path" | "query" | "header";
  name: string;
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, `/v1/agents/{agentId}`. */
  path: string;
  /** `POST /v1/agents/{agentId}/sessions`: how the test names and keys an operation. */
  key: string;
  /** Which credentials reach it: a member's bearer token, the runtime's service token, or none. */
  auth: "bearer" | "runtime" | "none";
  params: Param[];
  body: { contentType: string; schema: Schema } | null;
}

export type Doc = { paths: Record<string, Record<string, Record<string, unknown>>>; components?: { schemas?: Record<string, Schema> }; security?: unknown };

const methods = new Set(["get", "post", "put", "patch", "delete"]);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function listOperations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!methods.has(method)) continue;
      const security = (op["security"] ?? doc.security ?? []) as Record<string, unknown>[];
      const scheme = Object.keys(security[0] ?? {})[0];
      const params = ((op["parameters"] ?? []) as Record<string, unknown>[]).map((p) => ({
        in: p["in"] as Param["in"],
        name: String(p["name"]),
        required: p["required"] === true,
        schema: (p["schema"] ?? {}) as Schema,
      }));
      const content = isRecord(op["requestBody"]) && isRecord(op["requestBody"]["content"]) ? op["requestBody"]["content"] : {};
      const contentType = Object.keys(content)[0];
      const media = contentType ? content[contentType] : undefined;
      out.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        auth: scheme === undefined ? "none" : scheme === "runtimeService" ? "runtime" : "bearer",
        params,
        body: contentType ? { contentType, schema: (isRecord(media) && isRecord(media["schema"]) ? media["schema"] : {}) as Schema } : null,
      });
    }
  }
  return out;
}

export interface SampleContext {
  doc: Doc;
  /** A seeded id per id prefix (`spc` → the world's space). */
  ids: Record<string, string>;
}

export function deref(schema: Schema, doc: Doc): Schema {
  let s = schema;
  for (let i = 0; i < 20 && typeof s["$ref"] === "string"; i++) {
    const name = (s["$ref"] as string).replace("#/components/schemas/", "");
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
}

const idPattern = /^\^([a-z]{3})_\[0-9a-hjkmnp-tv-z\]\{26\}\$$/;

/** A fresh id of the prefix, well-formed but naming nothing. */
export function unknownId(prefix: string): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  return `${prefix}_${Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => alphabet[b & 31]).join("")}`;
}

// Strings tried, in order, against a pattern the sampler knows nothing about.
const patternCandidates = ["fuzz", "en", "en-US", "fuzz_tool", "X-Fuzz", "#3b5bdb", "a1", "openrouter", "https://example.test", "AAAA", "1"];

function sampleString(s: Schema, ctx: SampleContext): string {
  const pattern = typeof s["pattern"] === "string" ? s["pattern"] : undefined;
  const id = pattern ? idPattern.exec(pattern) : null;
  if (id?.[1]) return ctx.ids[id[1]] ?? unknownId(id[1]);
  switch (s["format"]) {
    case "date-time":
      return new Date().toISOString();
    case "date":
      return new Date().toISOString().slice(0, 10);
    case "email":
      return "fuzz@example.test";
    case "uri":
    case "url":
      return "https://example.test/fuzz";
  }
  const min = typeof s["minLength"] === "number" ? s["minLength"] : 1;
  if (pattern) {
    const re = new RegExp(pattern, "u");
    const found = patternCandidates.find((c) => re.test(c) && c.length >= min);
    if (found) return found;
  }
  return "fuzz".padEnd(min, "z");
}

function sampleNumber(s: Schema, integer: boolean): number {
  const min = typeof s["minimum"] === "number" ? s["minimum"] : typeof s["exclusiveMinimum"] === "number" ? s["exclusiveMinimum"] + 1 : integer ? 1 : 0.5;
  const max = typeof s["maximum"] === "number" ? s["maximum"] : typeof s["exclusiveMaximum"] === "number" ? s["exclusiveMaximum"] - 1 : Infinity;
  const value = Math.min(Math.max(min, integer ? 1 : 0.5), max);
  return integer ? Math.ceil(value) : value;
}

/** A value the schema accepts, as far as the schema alone can tell; optional fields included. */
export function sample(schema: Schema, ctx: SampleContext, depth = 0): unknown {
  const s = deref(schema, ctx.doc);
  if (depth > 12) return null;
  if (typeof s["pattern"] === "string" && idPattern.test(s["pattern"])) return sampleString(s, ctx);
  if ("default" in s && s["default"] !== undefined) return s["default"];
  if ("const" in s) return s["const"];
  if (Array.isArray(s["enum"]) && s["enum"].length > 0) return s["enum"][0];
  if ("example" in s) return s["example"];
  if (Array.isArray(s["examples"]) && s["examples"].length > 0) return s["examples"][0];
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    const variants = s[key];
    if (Array.isArray(variants) && variants.length > 0) {
      const nonNull = (variants as Schema[]).find((v) => deref(v, ctx.doc)["type"] !== "null") ?? (variants[0] as Schema);
      return sample(nonNull, ctx, depth + 1);
    }
  }
  const types = Array.isArray(s["type"]) ? (s["type"] as string[]) : [s["type"]];
  const type = types.find((t) => t !== "null") ?? types[0];
  switch (type) {
    case "string":
      return sampleString(s, ctx);
    case "integer":
      return sampleNumber(s, true);
    case "number":
      return sampleNumber(s, false);
    case "boolean":
      return false;
    case "array": {
      const minItems = typeof s["minItems"] === "number" ? s["minItems"] : 0;
      return Array.from({ length: minItems }, () => sample((s["items"] ?? {}) as Schema, ctx, depth + 1));
    }
    case "null":
      return null;
    default: {
      const properties = isRecord(s["properties"]) ? (s["properties"] as Record<string, Schema>) : {};
      const out: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(properties)) out[name] = sample(child, ctx, depth + 1);
      return out;
    }
  }
}

/** Every place inside a JSON value, as key paths: the root, each member and each element. */
export function jsonPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...jsonPaths(v, [...at, i])));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) out.push(...jsonPaths(v, [...at, k]));
  return out;
}

export function getAt(value: unknown, path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) node = isRecord(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined;
  return node;
}

/** A copy of `value` with `replace(old)` at `path`; `undefined` removes a member. */
export function setAt(value: unknown, path: (string | number)[], replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? setAt(v, rest, replace) : v));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== head) out[k] = v;
    else {
      const next = setAt(v, rest, replace);
      if (next !== undefined) out[k] = next;
    }
  }
  return out;
}

/** The schema that describes the value at `path` inside a value of `schema`, as far as it can tell. */
export function schemaAt(schema: Schema, path: (string | number)[], doc: Doc): Schema | undefined {
  let s: Schema | undefined = deref(schema, doc);
  for (const key of path) {
    if (!s) return undefined;
    const variants = [s, ...(["oneOf", "anyOf", "allOf"] as const).flatMap((k) => (Array.isArray(s?.[k]) ? (s[k] as Schema[]).map((v) => deref(v, doc)) : []))];
    let next: Schema | undefined;
    for (const v of variants) {
      const props = isRecord(v["properties"]) ? (v["properties"] as Record<string, Schema>) : undefined;
      if (typeof key === "string" && props?.[key]) next = props[key];
      else if (typeof key === "string" && isRecord(v["additionalProperties"])) next = v["additionalProperties"] as Schema;
      else if (typeof key === "number" && isRecord(v["items"])) next = v["items"] as Schema;
      if (next) break;
    }
    s = next ? deref(next, doc) : undefined;
  }
  return s;
}
