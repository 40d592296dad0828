import { describe, expect, it } from "vitest";
import { flattenAttributes, toAnyValue } from "./attributes.ts";
import { normalizeRequest, packGroups, sendBatches, spansMessages } from "./normalize.ts";
import { ExportTraceServiceRequest } from "./otlp.ts";
import { messageBudgetBytes, sendBatchBudgetBytes, SpansMessage } from "@speaknode/contracts";
import { hex, otlpRequest, otlpSpan, realisticSpan } from "./testing.ts";

const sessionId = "ses_01jqz8k3m4n5p6q7r8s9t0v1w2";
const parse = (body: unknown) => ExportTraceServiceRequest.parse(body);
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

describe("normalizeRequest", () => {
  it("lowercases ids, keeps times exact and flattens attributes", () => {
    const traceId = hex(16).toUpperCase();
    const span = { ...otlpSpan({ traceId, parentSpanId: "ABCDEF0123456789", sessionId }), startTimeUnixNano: "1764064800123456789", endTimeUnixNano: 1764064800223456 };
    const { groups, spanCount } = normalizeRequest(parse(otlpRequest([span])));
    expect(spanCount).toBe(1);
    const record = groups[0]?.spans[0];
    expect(record).toMatchObject({ traceId: traceId.toLowerCase(), parentSpanId: "abcdef0123456789", sessionId, startTimeUnixNano: "1764064800123456789", endTimeUnixNano: "1764064800223456" });
    expect(groups[0]?.resource).toEqual({ "service.name": "speaknode-voice-runtime" });
    expect(groups[0]?.scope).toEqual({ name: "livekit-agents", version: "1.9.0" });
  });

  it("takes the session id from the resource when the span has none, and ignores malformed ones", () => {
    const request = otlpRequest([otlpSpan(), otlpSpan({ attributes: { "speaknode.session.id": "not-a-session" } })], { "speaknode.session.id": sessionId });
    const spans = normalizeRequest(parse(request)).groups[0]?.spans ?? [];
    expect(spans.map((s) => s.sessionId)).toEqual([sessionId, sessionId]);
    expect(normalizeRequest(parse(otlpRequest([otlpSpan({ attributes: { "speaknode.session.id": "x" } })]))).groups[0]?.spans[0]?.sessionId).toBeNull();
  });

  it("refuses spans of other sessions when the token is narrowed to one", () => {
    const other = "ses_01jqz8k3m4n5p6q7r8s9t0v1w3";
    const result = normalizeRequest(parse(otlpRequest([otlpSpan({ sessionId }), otlpSpan({ sessionId: other }), otlpSpan()])), sessionId);
    expect(result.spanCount).toBe(1);
    expect(result.rejected).toBe(2);
  });

  it("makes strings storable in Postgres and cuts names to the column", () => {
    const span = otlpSpan({ name: `a\u0000b${"x".repeat(400)}`, attributes: { "k\u0000": "lone \ud800 surrogate", ok: "😀" } });
    const record = normalizeRequest(parse(otlpRequest([span]))).groups[0]?.spans[0];
    expect(record?.name.startsWith("a\ufffdb")).toBe(true);
    expect(record?.name.length).toBe(300);
    expect(record?.attributes).toEqual({ "k\ufffd": "lone \ufffd surrogate", ok: "😀" });
  });
});

describe("OTLP attribute values", () => {
  it("flatten to plain JSON and back", () => {
    const flat = flattenAttributes([
      { key: "s", value: { stringValue: "x" } },
      { key: "i", value: { intValue: "42" } },
      { key: "big", value: { intValue: "9007199254740993" } },
      { key: "d", value: { doubleValue: 0.5 } },
      { key: "b", value: { boolValue: true } },
      { key: "a", value: { arrayValue: { values: [{ stringValue: "p" }, { intValue: 1 }] } } },
      { key: "kv", value: { kvlistValue: { values: [{ key: "n", value: { boolValue: false } }] } } },
      { key: "empty", value: {} },
    ]);
    expect(flat).toEqual({ s: "x", i: 42, big: "9007199254740993", d: 0.5, b: true, a: ["p", 1], kv: { n: false }, empty: null });
    expect(toAnyValue(flat["kv"])).toEqual({ kvlistValue: { values: [{ key: "n", value: { boolValue: false } }] } });
    expect(toAnyValue(0.5)).toEqual({ doubleValue: 0.5 });
  });

  it("refuse nesting deeper than the limit", () => {
    let value: Record<string, unknown> = { stringValue: "leaf" };
    for (let i = 0; i < 6; i++) value = { arrayValue: { values: [value] } };
    const span = { ...otlpSpan(), attributes: [{ key: "deep", value }] };
    expect(ExportTraceServiceRequest.safeParse(otlpRequest([span])).success).toBe(false);
  });
});

describe("packGroups", () => {
  it("splits a large request into messages under the budget and sendBatch calls under the limits", () => {
    const traceId = hex(16);
    const spans = Array.from({ length: 1500 }, (_, i) => realisticSpan(sessionId, traceId, i));
    const { groups } = normalizeRequest(parse(otlpRequest(spans)));
    const packed = packGroups(groups);
    const messages = spansMessages(packed, Date.now());
    expect(messages.length).toBeGreaterThan(5);
    let total = 0;
    for (const m of messages) {
      expect(bytes(m.body)).toBeLessThanOrEqual(messageBudgetBytes);
      expect(bytes(m.body)).toBeLessThanOrEqual(m.bytes);
      expect(SpansMessage.safeParse(m.body).success).toBe(true);
      // each piece keeps the group's resource and scope
      expect(m.body.groups[0]?.resource).toEqual({ "service.name": "speaknode-voice-runtime" });
      total += m.body.groups.reduce((n, g) => n + g.spans.length, 0);
    }
    expect(total).toBe(1500);
    for (const batch of sendBatches(messages)) {
      expect(batch.length).toBeLessThanOrEqual(100);
      expect(batch.reduce((n, b) => n + bytes(b), 0)).toBeLessThanOrEqual(sendBatchBudgetBytes);
    }
  });

  it("counts a span too large for any message instead of sending it", () => {
    const { groups } = normalizeRequest(parse(otlpRequest([otlpSpan({ attributes: { huge: "x".repeat(messageBudgetBytes) } }), otlpSpan()])));
    const packed = packGroups(groups);
    expect(packed.oversized).toBe(1);
    expect(packed.chunks.flatMap((c) => c.groups.flatMap((g) => g.spans))).toHaveLength(1);
  });
});
