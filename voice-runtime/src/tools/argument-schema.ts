// The tool's arguments as JSON Schema sees them: OpenAPI 3.0's `nullable` turned into JSON
// Schema, and the validator's complaints worded for the LLM from the schema, never from the values.
import type { OutputUnit } from "@cfworker/json-schema";

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

// OpenAPI 3.0's `nullable: true` is not JSON Schema: neither the validator nor the LLM providers
// read it. Written as a type list with "null" instead, so null passes where the API allows it.
export function normaliseSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normaliseSchema);
  if (!isRecord(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "nullable") continue;
    const isSchemaMap = key === "properties" && isRecord(value);
    out[key] = isSchemaMap ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseSchema(v)])) : ["items", "additionalProperties", "oneOf", "anyOf", "allOf"].includes(key) ? normaliseSchema(value) : value;
  }
  if (node["nullable"] === true) {
    const type = out["type"];
    if (typeof type === "string" && type !== "null") out["type"] = [type, "null"];
    else if (Array.isArray(type) && !type.includes("null")) out["type"] = [...type, "null"];
    const values = out["enum"];
    if (Array.isArray(values) && !values.includes(null)) out["enum"] = [...values, null];
  }
  return out;
}


// The schema value a failing keyword points at ("#/properties/qty/minimum" → 1).
function schemaAt(schema: unknown, pointer: string): unknown {
  let node = schema;
  for (const raw of pointer.replace(/^#\/?/, "").split("/")) {
    if (raw === "") continue;
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = Array.isArray(node) ? node[Number(key)] : isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return node;
}

// Worded from the schema, never from the arguments: the message reaches the LLM and the call
// record, and values the caller spoke have no business in either beyond the arguments themselves.
function ruleMessage(keyword: string, expected: unknown): string {
  const shown = (JSON.stringify(expected) ?? "").slice(0, 200);
  switch (keyword) {
    case "type":
      return `must be of type ${Array.isArray(expected) ? expected.join(" or ") : String(expected)}`;
    case "minimum":
      return `must be at least ${shown}`;
    case "maximum":
      return `must be at most ${shown}`;
    case "exclusiveMinimum":
      return `must be greater than ${shown}`;
    case "exclusiveMaximum":
      return `must be less than ${shown}`;
    case "minLength":
      return `must have at least ${shown} characters`;
    case "maxLength":
      return `must have at most ${shown} characters`;
    case "minItems":
      return `must have at least ${shown} items`;
    case "maxItems":
      return `must have at most ${shown} items`;
    case "enum":
      return `must be one of ${shown}`;
    case "const":
      return `must be ${shown}`;
    case "pattern":
      return `must match the pattern ${shown}`;
    case "format":
      return `must be a valid ${String(expected)}`;
    case "false":
      return "is not an accepted property";
    case "anyOf":
    case "oneOf":
      return "does not match any of the allowed forms";
    default:
      return `does not satisfy "${keyword}"`;
  }
}

/** The validator's complaints as `field: message`, without the summary lines of parent keywords. */
export function failingFields(errors: OutputUnit[], schema: unknown): string[] {
  const summaries = new Set(["properties", "items", "prefixItems", "allOf", "$ref", "additionalProperties"]);
  const lines = new Set<string>();
  for (const e of errors) {
    if (summaries.has(e.keyword)) continue;
    let field = e.instanceLocation.replace(/^#\/?/, "").split("/").map(decodeURIComponent).join(".");
    let message: string;
    const required = /required property "(.+)"/.exec(e.error);
    if (e.keyword === "required" && required?.[1] !== undefined) {
      field = field === "" ? required[1] : `${field}.${required[1]}`;
      message = "is required";
    } else message = ruleMessage(e.keyword, schemaAt(schema, e.keywordLocation));
    lines.add(`${field === "" ? "(arguments)" : field}: ${message}`);
  }
  return [...lines];
}
