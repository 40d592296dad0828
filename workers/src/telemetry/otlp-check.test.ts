import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPlainExport } from "./otlp-check.ts";
import { ExportTraceServiceRequest } from "./otlp.ts";
import { otlpRequest, otlpSpan, realisticSpan } from "./testing.ts";

const sessionId = "ses_01jqz8k3m4n5p6q7r8s9t0v1w2";
const base = () =>
  otlpRequest([
    realisticSpan(sessionId, "0af7651916cd43dd8448eb211c80319c", 0),
    { ...otlpSpan({ parentSpanId: "b7ad6b7169203331" }), kind: "SPAN_KIND_SERVER", status: { code: "STATUS_CODE_ERROR", message: "boom" }, events: [{ timeUnixNano: "1", name: "e", attributes: [] }], flags: 1 },
  ]);

// Values a mutation puts in place of a field: right and wrong types, edge numbers and strings.
const oddValue = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1.5, 6, 3, 2 ** 53, "", "0", "00000000000000000000000000000000", "0000000000000000", "9223372036854775807", "9223372036854775808", "SPAN_KIND_CLIENT", "STATUS_CODE_OK", "x".repeat(1001), "\u0000", [], {}, [{}], [{ key: "" }], [{ key: "k", value: { intValue: "1.5" } }], { values: [] }),
  fc.string(),
  fc.integer(),
  fc.double(),
);

/** Every path to a value inside `v` (object keys and array indexes). */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((c, i) => paths(c, [...at, i], out));
  else if (typeof v === "object" && v !== null) for (const [k, c] of Object.entries(v)) paths(c, [...at, k], out);
  return out;
}

function mutate(body: unknown, path: (string | number)[], key: string | undefined, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const p of path) node = node[p] as Record<string | number, unknown>;
  if (typeof node !== "object" || node === null) return value;
  if (key !== undefined && !Array.isArray(node)) node[key] = value;
  else if (Array.isArray(node)) node.push(value);
  return copy;
}

describe("the fast OTLP check", () => {
  it("accepts the exports the runtime sends, names and numbers alike", () => {
    expect(isPlainExport(base())).toBe(true);
    expect(isPlainExport({})).toBe(true);
    expect(isPlainExport({ resourceSpans: [] })).toBe(true);
  });

  it("never accepts a body the schema refuses (mutated field by field)", () => {
    const body = base();
    const all = paths(body);
    const keys = ["traceId", "spanId", "parentSpanId", "name", "kind", "flags", "startTimeUnixNano", "endTimeUnixNano", "attributes", "events", "status", "code", "message", "timeUnixNano", "scope", "spans", "resource", "resourceSpans", "scopeSpans", "schemaUrl", "version", "droppedAttributesCount", "droppedEventsCount", "droppedLinksCount", "traceState", "key", "value", "stringValue", "intValue", "doubleValue", "boolValue", "arrayValue", "kvlistValue", "values", "unknownField"];
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.option(fc.constantFrom(...keys), { nil: undefined }), oddValue, (path, key, value) => {
        const mutated = mutate(body, path, key, value);
        const schemaAccepts = ExportTraceServiceRequest.safeParse(mutated).success;
        if (!schemaAccepts) refused++;
        if (isPlainExport(mutated)) expect(schemaAccepts).toBe(true);
      }),
      { numRuns: 3000, seed: 23 },
    );
    // the mutations do reach refusals, so the property above is exercised
    expect(refused).toBeGreaterThan(500);
  });

  it("refuses what the schema refuses at its bounds", () => {
    const span = otlpSpan();
    for (const bad of [
      { ...span, traceId: "0".repeat(32) },
      { ...span, spanId: "abc" },
      { ...span, startTimeUnixNano: "9223372036854775808" },
      { ...span, endTimeUnixNano: -1 },
      { ...span, kind: 6 },
      { ...span, status: { code: "STATUS_CODE_MAYBE" } },
      { ...span, name: null },
    ]) {
      expect(ExportTraceServiceRequest.safeParse(otlpRequest([bad])).success).toBe(false);
      expect(isPlainExport(otlpRequest([bad]))).toBe(false);
    }
  });
});
