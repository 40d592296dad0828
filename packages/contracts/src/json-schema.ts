// The JSON Schema subset accepted for tool headers and bodies (what OpenAPI 3.x operations and
// LLM function calling both use). Checked as a schema on save: known keywords only, `required`
// naming declared properties, patterns that compile, bounded depth.
import { z } from "zod";
import { text, jsonValue } from "./text.ts";

export type JsonSchema = {
  type?: "object" | "array" | "string" | "number" | "integer" | "boolean" | "null" | Array<"object" | "array" | "string" | "number" | "integer" | "boolean" | "null">;
  description?: string;
  title?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: Array<string | number | boolean | null>;
  const?: string | number | boolean | null;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  examples?: unknown[];
  nullable?: boolean;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

const typeNames = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const maxDepth = 32;

type Issue = { path: (string | number)[]; message: string };
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Checks one schema node and its children; a plain recursive function, because zod's z.lazy
 *  recursion overflows both zod's own nullability probe and the OpenAPI generator. */
function checkNode(node: unknown, path: (string | number)[], depth: number, out: Issue[]): void {
  if (!isRecord(node)) {
    out.push({ path, message: "must be a JSON Schema object" });
    return;
  }
  if (depth > maxDepth) {
    out.push({ path, message: `is nested deeper than ${maxDepth} levels` });
    return;
  }
  const at = (key: string | number, message: string) => out.push({ path: [...path, key], message });
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case "type": {
        const ok = typeof value === "string" ? typeNames.has(value) : Array.isArray(value) && value.length > 0 && value.every((t) => typeof t === "string" && typeNames.has(t));
        if (!ok) at(key, `must be one of ${[...typeNames].join(", ")} (or a list of them)`);
        break;
      }
      case "description":
      case "title":
      case "format":
        if (typeof value !== "string" || value.length > (key === "description" ? 2000 : 200)) at(key, "must be a short string");
        break;
      case "pattern":
        if (typeof value !== "string" || value.length > 500) at(key, "must be a string");
        else {
          try {
            new RegExp(value, "u");
          } catch {
            at(key, "is not a valid regular expression");
          }
        }
        break;
      case "properties":
        if (!isRecord(value)) at(key, "must be an object of schemas");
        else for (const [name, child] of Object.entries(value)) checkNode(child, [...path, key, name], depth + 1, out);
        break;
      case "required":
        if (!Array.isArray(value) || !value.every((n) => typeof n === "string")) at(key, "must be a list of property names");
        else value.forEach((name: string, i) => {
          if (!isRecord(node["properties"]) || !(name in node["properties"])) out.push({ path: [...path, key, i], message: `"${name}" is not in properties` });
        });
        break;
      case "additionalProperties":
        if (typeof value !== "boolean") checkNode(value, [...path, key], depth + 1, out);
        break;
      case "items":
        checkNode(value, [...path, key], depth + 1, out);
        break;
      case "oneOf":
      case "anyOf":
      case "allOf":
        if (!Array.isArray(value) || value.length === 0) at(key, "must be a non-empty list of schemas");
        else value.forEach((child, i) => checkNode(child, [...path, key, i], depth + 1, out));
        break;
      case "enum":
        if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) at(key, "must be a non-empty list of strings, numbers, booleans or null");
        break;
      case "const":
        if (!isScalar(value)) at(key, "must be a string, number, boolean or null");
        break;
      case "minLength":
      case "maxLength":
      case "minItems":
      case "maxItems":
        if (!isCount(value)) at(key, "must be a whole number ≥ 0");
        break;
      case "minimum":
      case "maximum":
      case "exclusiveMinimum":
      case "exclusiveMaximum":
        if (typeof value !== "number" || !Number.isFinite(value)) at(key, "must be a number");
        break;
      case "nullable":
        if (typeof value !== "boolean") at(key, "must be a boolean");
        break;
      case "examples":
        if (!Array.isArray(value)) at(key, "must be a list");
        break;
      case "default":
        break;
      default:
        at(key, "is not a supported JSON Schema keyword");
    }
  }
  const type = node["type"];
  if (node["properties"] !== undefined && type !== undefined && type !== "object" && !(Array.isArray(type) && type.includes("object"))) {
    at("properties", "only object schemas have properties");
  }
}

export function jsonSchemaIssues(value: unknown): Issue[] {
  const out: Issue[] = [];
  checkNode(value, [], 0, out);
  return out;
}

function checkedSchema(topLevelObject: boolean, id: string, description: string): z.ZodType<JsonSchema> {
  return z
    .record(text(), jsonValue())
    .superRefine((value, ctx) => {
      if (topLevelObject && value["type"] !== "object") ctx.addIssue({ code: "custom", path: [], message: 'must be a JSON Schema with type "object"' });
      for (const issue of jsonSchemaIssues(value)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    })
    .meta({ id, description }) as unknown as z.ZodType<JsonSchema>;
}

export const JsonSchemaObject = checkedSchema(false, "JsonSchema", "JSON Schema (OpenAPI 3.1 subset)");

/** A tool's body/headers schema: a JSON Schema whose top level is an object. */
export const ObjectJsonSchema = checkedSchema(true, "JsonSchemaObject", "JSON Schema (OpenAPI 3.1 subset) with type object");
