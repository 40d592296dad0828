// Converts OpenAPI 3.0/3.1 request schemas into the JSON Schema subset tools accept
// (`JsonSchema` of @speaknode/contracts): local `$ref`s are inlined, keywords outside the subset
// are dropped, `readOnly` properties are left out (these schemas describe requests), and 3.0
// spellings (`example`, boolean `exclusiveMinimum`) are rewritten. Recursion and blow-up are
// bounded by a depth limit and a per-operation node budget: a Worker has little CPU to spare.
import type { JsonSchema } from "@speaknode/contracts";

/** Nesting beyond this is cut: LLM tool schemas deeper than this are not usable anyway. */
export const maxSchemaDepth = 10;
/** Schema nodes converted per operation; shared `$ref`s are inlined, so growth can be exponential. */
export const maxSchemaNodes = 5000;

export interface SchemaContext {
  doc: Record<string, unknown>;
  warn: (message: string) => void;
  /** Nodes still allowed for the current operation. */
  budget: number;
}

type TypeName = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";
const typeNames: ReadonlySet<string> = new Set<TypeName>(["object", "array", "string", "number", "integer", "boolean", "null"]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Resolves a local JSON pointer (`#/components/schemas/Order`); undefined when absent or external. */
export function resolvePointer(doc: Record<string, unknown>, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    } catch {
      return undefined;
    }
    // Own properties only, so `__proto__` or `constructor` never reach Object.prototype.
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** Follows `$ref` chains of parameters, request bodies, path items and security schemes. */
export function deref(ctx: SchemaContext, node: unknown, where: string): unknown {
  const seen = new Set<string>();
  let current = node;
  while (isRecord(current) && typeof current.$ref === "string") {
    const ref = current.$ref;
    if (seen.has(ref) || seen.size >= 20) {
      ctx.warn(`${where}: $ref ${ref} loops; left out`);
      return undefined;
    }
    seen.add(ref);
    const target = resolvePointer(ctx.doc, ref);
    if (target === undefined) {
      ctx.warn(`${where}: $ref ${ref} ${ref.startsWith("#/") ? "points nowhere" : "is not local (only #/… references are followed)"}; left out`);
      return undefined;
    }
    current = target;
  }
  return current;
}

function str(value: unknown, max: number): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim().slice(0, max).trim();
  return trimmed === "" ? undefined : trimmed;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function convertType(value: unknown): JsonSchema["type"] | undefined {
  if (typeof value === "string") return typeNames.has(value) ? (value as TypeName) : undefined;
  if (!Array.isArray(value)) return undefined;
  const kept = value.filter((t): t is TypeName => typeof t === "string" && typeNames.has(t));
  return kept.length > 0 ? kept : undefined;
}

function allowsObject(type: JsonSchema["type"]): boolean {
  return type === undefined || type === "object" || (Array.isArray(type) && type.includes("object"));
}

/** What stands in for a schema that is not expanded (recursion, depth, budget): its type alone. */
function stub(target: unknown): JsonSchema {
  const out: JsonSchema = {};
  if (isRecord(target)) {
    const type = convertType(target.type);
    if (type !== undefined) out.type = type;
    else if (isRecord(target.properties)) out.type = "object";
    const description = str(target.description, 2000);
    if (description !== undefined) out.description = description;
  }
  return out;
}

function isReadOnly(ctx: SchemaContext, node: unknown): boolean {
  if (!isRecord(node)) return false;
  if (node.readOnly === true) return true;
  if (typeof node.$ref !== "string") return false;
  const target = resolvePointer(ctx.doc, node.$ref);
  return isRecord(target) && target.readOnly === true;
}

/**
 * `allOf` of plain object schemas (the usual way to extend a base schema) merged into one
 * object schema, so properties stay visible at one level; undefined when it cannot be merged.
 */
function flattenAllOf(ctx: SchemaContext, node: Record<string, unknown>, where: string, stack: readonly string[], hops = 0): Record<string, unknown> | undefined {
  if (!Array.isArray(node.allOf) || hops > 5) return undefined;
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  let description = node.description;
  for (const member of node.allOf) {
    if (isRecord(member) && typeof member.$ref === "string" && stack.includes(member.$ref)) return undefined;
    let resolved = isRecord(member) && typeof member.$ref === "string" ? deref(ctx, member, where) : member;
    if (!isRecord(resolved)) return undefined;
    if (Array.isArray(resolved.allOf)) resolved = flattenAllOf(ctx, resolved, where, stack, hops + 1);
    if (resolved === undefined || resolved.oneOf !== undefined || resolved.anyOf !== undefined) return undefined;
    if (resolved.type !== undefined && resolved.type !== "object") return undefined;
    if (isRecord(resolved.properties)) Object.assign(properties, resolved.properties);
    if (Array.isArray(resolved.required)) for (const name of resolved.required) if (typeof name === "string") required.add(name);
    description ??= resolved.description;
  }
  const { allOf: _allOf, ...rest } = node;
  const ownProps = isRecord(node.properties) ? node.properties : {};
  const ownRequired = Array.isArray(node.required) ? node.required.filter((n): n is string => typeof n === "string") : [];
  return { ...rest, type: "object", description, properties: { ...properties, ...ownProps }, required: [...required, ...ownRequired] };
}

/** Converts one schema node; `where` names it in warnings, `stack` holds the `$ref`s being expanded. */
export function convertSchema(ctx: SchemaContext, node: unknown, where: string, stack: readonly string[] = [], depth = 0): JsonSchema {
  if (node === undefined || node === true) return {};
  if (!isRecord(node)) {
    ctx.warn(`${where}: ${node === false ? "a `false` schema cannot be expressed" : "schema is not an object"}; left open`);
    return {};
  }
  if (ctx.budget <= 0) return stub(node);
  if (--ctx.budget === 0) ctx.warn(`${where}: schemas exceed ${maxSchemaNodes} nodes; the rest is left open`);
  if (depth > maxSchemaDepth) {
    ctx.warn(`${where}: nested deeper than ${maxSchemaDepth} levels; cut there`);
    return stub(node);
  }
  if (typeof node.$ref === "string") {
    const ref = node.$ref;
    const target = resolvePointer(ctx.doc, ref);
    if (target === undefined) {
      ctx.warn(`${where}: $ref ${ref} ${ref.startsWith("#/") ? "points nowhere" : "is not local (only #/… references are followed)"}; left open`);
      return {};
    }
    // Recursive structures (a category's parent category) are cut at the second visit.
    const inner = stack.includes(ref) ? (ctx.warn(`${where}: recursive $ref ${ref} not expanded again`), stub(target)) : convertSchema(ctx, target, where, [...stack, ref], depth);
    // OpenAPI 3.1 lets annotations next to $ref override the target's.
    const description = str(node.description, 2000);
    const title = str(node.title, 200);
    return { ...inner, ...(title !== undefined ? { title } : {}), ...(description !== undefined ? { description } : {}) };
  }
  const src = flattenAllOf(ctx, node, where, stack) ?? node;
  const out: JsonSchema = {};
  const type = convertType(src.type);
  if (type !== undefined) out.type = type;
  else if (src.type !== undefined) ctx.warn(`${where}: type ${JSON.stringify(src.type)} is not supported; left open`);
  const title = str(src.title, 200);
  if (title !== undefined) out.title = title;
  const description = str(src.description, 2000);
  if (description !== undefined) out.description = description;
  if (typeof src.format === "string" && src.format.length <= 50) out.format = src.format;
  if (typeof src.pattern === "string") {
    if (src.pattern.length <= 500 && compiles(src.pattern)) out.pattern = src.pattern;
    else ctx.warn(`${where}: pattern is not a usable regular expression; dropped`);
  }
  for (const key of ["minLength", "maxLength", "minItems", "maxItems"] as const) {
    const value = count(src[key]);
    if (value !== undefined) out[key] = value;
  }
  const minimum = num(src.minimum);
  const maximum = num(src.maximum);
  // 3.0 writes exclusive bounds as booleans next to minimum/maximum; 3.1 (and we) as numbers.
  if (src.exclusiveMinimum === true && minimum !== undefined) out.exclusiveMinimum = minimum;
  else if (minimum !== undefined) out.minimum = minimum;
  if (src.exclusiveMaximum === true && maximum !== undefined) out.exclusiveMaximum = maximum;
  else if (maximum !== undefined) out.maximum = maximum;
  const exclusiveMinimum = num(src.exclusiveMinimum);
  if (exclusiveMinimum !== undefined) out.exclusiveMinimum = exclusiveMinimum;
  const exclusiveMaximum = num(src.exclusiveMaximum);
  if (exclusiveMaximum !== undefined) out.exclusiveMaximum = exclusiveMaximum;
  if (Array.isArray(src.enum)) {
    const values = src.enum.filter(isScalar);
    if (values.length < src.enum.length) ctx.warn(`${where}: non-scalar enum values dropped`);
    if (values.length > 0) out.enum = values;
  }
  if (isScalar(src.const)) out.const = src.const;
  if (src.default !== undefined) out.default = src.default;
  if (typeof src.nullable === "boolean") out.nullable = src.nullable;
  if (Array.isArray(src.examples)) out.examples = src.examples;
  else if (src.example !== undefined) out.examples = [src.example];

  if (isRecord(src.properties)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, prop] of Object.entries(src.properties)) {
      if (name.length < 1 || name.length > 128) ctx.warn(`${where}: property name of ${name.length} characters dropped`);
      else if (!isReadOnly(ctx, prop)) properties[name] = convertSchema(ctx, prop, `${where}.${name}`, stack, depth + 1);
    }
    out.properties = properties;
    if (Array.isArray(src.required)) {
      const required = [...new Set(src.required.filter((n): n is string => typeof n === "string" && Object.hasOwn(properties, n)))];
      if (required.length > 0) out.required = required;
    }
    if (out.type === undefined && !src.oneOf && !src.anyOf && !src.allOf) out.type = "object";
  }
  if (isRecord(src.additionalProperties) || typeof src.additionalProperties === "boolean") {
    out.additionalProperties = typeof src.additionalProperties === "boolean" ? src.additionalProperties : convertSchema(ctx, src.additionalProperties, `${where}{}`, stack, depth + 1);
  }
  if (!allowsObject(out.type)) {
    delete out.properties;
    delete out.required;
    delete out.additionalProperties;
  }
  if (isRecord(src.items) || src.items === true) out.items = convertSchema(ctx, src.items, `${where}[]`, stack, depth + 1);
  else if (src.items !== undefined) ctx.warn(`${where}: tuple items are not supported; left open`);
  for (const key of ["oneOf", "anyOf", "allOf"] as const) {
    const list = src[key];
    if (Array.isArray(list) && list.length > 0) out[key] = list.map((s, i) => convertSchema(ctx, s, `${where}.${key}[${i}]`, stack, depth + 1));
  }
  return out;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}
