// OTLP attribute values (AnyValue): the bulk of every trace export — each span carries a dozen.
// Checked by one walk in a zod refinement rather than by nested zod objects, which cost four times
// as much per value (zod cannot compile schemas inside Workers) and made attribute validation most
// of the ingest's CPU. Problems are still reported per field, with their path. Nesting deeper than
// `maxValueDepth` is refused rather than walked, so a hostile body cannot exhaust the stack.
import { z } from "@hono/zod-openapi";
import { rawText } from "@speaknode/contracts";

export interface AnyValue {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | "NaN" | "Infinity" | "-Infinity" | undefined;
  bytesValue?: string | undefined;
  arrayValue?: { values?: AnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: KeyValue[] | undefined } | undefined;
}
export interface KeyValue {
  key: string;
  value?: AnyValue | undefined;
}

/** How deep attribute values may nest (arrays of arrays of …). */
export const maxValueDepth = 4;
const maxListLength = 1000;
const maxBytesValueLength = 1_000_000;

type Problem = { path: (string | number)[]; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const int64 = /^-?\d{1,19}$/;

function listProblem(list: unknown, depth: number, item: (v: unknown, depth: number) => Problem | null, at: string): Problem | null {
  if (!isObject(list)) return { path: [at], message: "must be an object with `values`" };
  const values = list["values"];
  if (values === undefined) return null;
  if (!Array.isArray(values)) return { path: [at, "values"], message: "must be an array" };
  if (values.length > maxListLength) return { path: [at, "values"], message: `must hold at most ${maxListLength} values` };
  for (let i = 0; i < values.length; i++) {
    const problem = item(values[i], depth - 1);
    if (problem) return { path: [at, "values", i, ...problem.path], message: problem.message };
  }
  return null;
}

export function keyValueProblem(kv: unknown, depth: number): Problem | null {
  if (!isObject(kv)) return { path: [], message: "must be a {key, value} object" };
  const key = kv["key"];
  if (typeof key !== "string" || key.length === 0 || key.length > 256) return { path: ["key"], message: "must be a string of 1 to 256 characters" };
  if (kv["value"] === undefined) return null;
  const problem = anyValueProblem(kv["value"], depth);
  return problem ? { path: ["value", ...problem.path], message: problem.message } : null;
}

/** What is wrong with `value` as an AnyValue nested at most `depth` more levels, or null. */
export function anyValueProblem(value: unknown, depth: number): Problem | null {
  if (!isObject(value)) return { path: [], message: "must be an OTLP AnyValue object" };
  for (const key in value) {
    const v = value[key];
    if (v === undefined) continue;
    switch (key) {
      case "stringValue":
        if (typeof v !== "string") return { path: [key], message: "must be a string" };
        break;
      case "bytesValue":
        if (typeof v !== "string" || v.length > maxBytesValueLength) return { path: [key], message: "must be a base64 string of at most 1 MB" };
        break;
      case "boolValue":
        if (typeof v !== "boolean") return { path: [key], message: "must be a boolean" };
        break;
      case "intValue":
        if (!(typeof v === "number" ? Number.isSafeInteger(v) : typeof v === "string" && int64.test(v))) return { path: [key], message: "must be a decimal 64-bit integer" };
        break;
      case "doubleValue":
        // JSON has no NaN or Infinity: the protobuf mapping spells them as strings.
        if (typeof v !== "number" && v !== "NaN" && v !== "Infinity" && v !== "-Infinity") return { path: [key], message: "must be a number" };
        break;
      case "arrayValue":
      case "kvlistValue": {
        if (depth <= 0) return { path: [key], message: "nested too deep" };
        const problem = listProblem(v, depth, key === "arrayValue" ? anyValueProblem : keyValueProblem, key);
        if (problem) return problem;
        break;
      }
      default:
      // unknown fields are ignored, as protobuf JSON readers do
    }
  }
  return null;
}

const ref = { $ref: "#/components/schemas/OtlpAnyValue" };

export const OtlpAnyValue = z
  .custom<AnyValue>()
  .superRefine((value, ctx) => {
    const problem = anyValueProblem(value, maxValueDepth);
    if (problem) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  })
  .openapi("OtlpAnyValue", {
    type: "object",
    description: `An OTLP AnyValue; arrays and key/value lists nest at most ${maxValueDepth} levels`,
    properties: {
      stringValue: { type: "string" },
      boolValue: { type: "boolean" },
      intValue: { oneOf: [{ type: "string", pattern: "^-?\\d{1,19}$" }, { type: "integer" }] },
      doubleValue: { oneOf: [{ type: "number" }, { type: "string", enum: ["NaN", "Infinity", "-Infinity"] }] },
      bytesValue: { type: "string", contentEncoding: "base64" },
      arrayValue: { type: "object", properties: { values: { type: "array", items: ref, maxItems: maxListLength } } },
      kvlistValue: {
        type: "object",
        properties: { values: { type: "array", maxItems: maxListLength, items: { type: "object", properties: { key: { type: "string" }, value: ref }, required: ["key"] } } },
      },
    },
  });

export const OtlpKeyValue = z.object({ key: rawText().min(1).max(256), value: OtlpAnyValue.optional() }).openapi("OtlpKeyValue");

/** A list of attributes, walked in one refinement for the same reason as the values. */
export const OtlpAttributes = z
  .custom<KeyValue[]>()
  .superRefine((list, ctx) => {
    if (!Array.isArray(list)) return void ctx.addIssue({ code: "custom", message: "must be an array of {key, value}" });
    if (list.length > maxListLength) return void ctx.addIssue({ code: "custom", message: `must hold at most ${maxListLength} attributes` });
    for (let i = 0; i < list.length; i++) {
      const problem = keyValueProblem(list[i], maxValueDepth);
      if (problem) ctx.addIssue({ code: "custom", path: [i, ...problem.path], message: problem.message });
    }
  })
  .openapi("OtlpAttributes", { type: "array", maxItems: maxListLength, items: { $ref: "#/components/schemas/OtlpKeyValue" } });
