// The common case of POST /v1/traces, checked fast: a body every part of which otlp.ts's zod schema
// accepts. zod cannot compile schemas inside Workers (no `new Function`), and walking a 100-span
// export through its generic object and union parsers was the largest CPU cost of the request
// (~3 ms per export in Node without zod's JIT; JSON.parse itself is ~1 ms). This walk answers only
// yes or no and must never say yes to a body the schema refuses (tested with mutated bodies
// against the schema in otlp-check.test.ts); a no sends the body through the schema, which
// describes what is wrong field by field. Bounds and patterns are the schema's: keep them in step.
import { keyValueProblem, maxValueDepth } from "./any-value.ts";
import type { ExportTraceServiceRequest } from "./otlp.ts";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const absentOr = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const count = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const stringMax = (max: number) => (v: unknown) => typeof v === "string" && v.length <= max;
const anyString = (v: unknown) => typeof v === "string";
function listOf(v: unknown, max: number, item: (v: unknown) => boolean): boolean {
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
  return true;
}

const hex32 = /^(?!0+$)[0-9a-fA-F]{32}$/;
const hex16 = /^(?!0+$)[0-9a-fA-F]{16}$/;
const digits = /^\d{1,19}$/;
const maxInt64 = "9223372036854775807";
const spanKindNames = new Set(["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"]);
const statusCodeNames = new Set(["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]);

/** UnixNano: a decimal string within int64 (digit strings of equal length compare as numbers) or a safe integer ≥ 0. */
function unixNano(v: unknown): boolean {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0;
  return typeof v === "string" && digits.test(v) && (v.length < 19 || v <= maxInt64);
}
const enumOrInt = (names: Set<string>, max: number) => (v: unknown) => (typeof v === "number" ? Number.isInteger(v) && v >= 0 && v <= max : typeof v === "string" && names.has(v));
const spanKind = enumOrInt(spanKindNames, 5);
const statusCode = enumOrInt(statusCodeNames, 2);

const attributes = (v: unknown) => listOf(v, 1000, (kv) => keyValueProblem(kv, maxValueDepth) === null);

function event(v: unknown): boolean {
  return isObject(v) && unixNano(v["timeUnixNano"]) && stringMax(1000)(v["name"]) && absentOr(v["attributes"], attributes) && absentOr(v["droppedAttributesCount"], count);
}

function status(v: unknown): boolean {
  return isObject(v) && absentOr(v["message"], anyString) && absentOr(v["code"], statusCode);
}

function span(v: unknown): boolean {
  if (!isObject(v)) return false;
  const parent = v["parentSpanId"];
  return (
    typeof v["traceId"] === "string" && hex32.test(v["traceId"]) &&
    typeof v["spanId"] === "string" && hex16.test(v["spanId"]) &&
    (parent === undefined || parent === "" || (typeof parent === "string" && hex16.test(parent))) &&
    typeof v["name"] === "string" &&
    unixNano(v["startTimeUnixNano"]) && unixNano(v["endTimeUnixNano"]) &&
    absentOr(v["traceState"], anyString) &&
    absentOr(v["flags"], count) &&
    absentOr(v["kind"], spanKind) &&
    absentOr(v["attributes"], attributes) &&
    absentOr(v["droppedAttributesCount"], count) &&
    absentOr(v["events"], (e) => listOf(e, 1000, event)) &&
    absentOr(v["droppedEventsCount"], count) &&
    absentOr(v["droppedLinksCount"], count) &&
    absentOr(v["status"], status)
  );
}

function scope(v: unknown): boolean {
  return isObject(v) && absentOr(v["name"], stringMax(1000)) && absentOr(v["version"], stringMax(1000)) && absentOr(v["attributes"], attributes) && absentOr(v["droppedAttributesCount"], count);
}

function scopeSpans(v: unknown): boolean {
  return isObject(v) && absentOr(v["scope"], scope) && absentOr(v["spans"], (s) => listOf(s, 20_000, span)) && absentOr(v["schemaUrl"], stringMax(2000));
}

function resource(v: unknown): boolean {
  return isObject(v) && absentOr(v["attributes"], attributes) && absentOr(v["droppedAttributesCount"], count);
}

function resourceSpans(v: unknown): boolean {
  return isObject(v) && absentOr(v["resource"], resource) && absentOr(v["scopeSpans"], (s) => listOf(s, 1000, scopeSpans)) && absentOr(v["schemaUrl"], stringMax(2000));
}

/** True only for a body ExportTraceServiceRequest accepts as it is; false sends it through the schema. */
export function isPlainExport(body: unknown): body is ExportTraceServiceRequest {
  return isObject(body) && absentOr(body["resourceSpans"], (r) => listOf(r, 1000, resourceSpans));
}
