// OTLP requests as the runtime's exporter builds them, for tests and the telemetry bench (which
// runs in Node: nothing here needs the Workers runtime).

export const hex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");

export interface SpanOptions {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  /** ms since the epoch */
  startMs?: number;
  durationMs?: number;
  sessionId?: string;
  attributes?: Record<string, string | number | boolean>;
}

const toValue = (v: string | number | boolean) =>
  typeof v === "string" ? { stringValue: v } : typeof v === "boolean" ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };

/** One OTLP/JSON span as @opentelemetry/otlp-transformer's JSON serializer writes it. */
export function otlpSpan(o: SpanOptions = {}): Record<string, unknown> {
  const startNs = BigInt(o.startMs ?? Date.now()) * 1_000_000n;
  const endNs = startNs + BigInt(Math.round((o.durationMs ?? 120) * 1_000_000));
  const attributes = { ...(o.sessionId ? { "speaknode.session.id": o.sessionId } : {}), ...o.attributes };
  return {
    traceId: o.traceId ?? hex(16),
    spanId: o.spanId ?? hex(8),
    ...(o.parentSpanId ? { parentSpanId: o.parentSpanId } : {}),
    name: o.name ?? "llm_request",
    kind: 1,
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: endNs.toString(),
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: toValue(value) })),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    status: { code: 0 },
    links: [],
    droppedLinksCount: 0,
  };
}

/** An ExportTraceServiceRequest holding `spans` under one resource and scope. */
export function otlpRequest(spans: Record<string, unknown>[], resource: Record<string, string> = { "service.name": "speaknode-voice-runtime" }): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([key, value]) => ({ key, value: { stringValue: value } })), droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: "livekit-agents", version: "1.9.0" }, spans }],
      },
    ],
  };
}

/** A span of a session's trace with realistic attributes (an LLM request). */
export function realisticSpan(sessionId: string | undefined, traceId: string, i: number): Record<string, unknown> {
  return otlpSpan({
    traceId,
    name: i % 3 === 0 ? "llm_request" : i % 3 === 1 ? "tts_request" : "user_turn",
    startMs: Date.now() - 10_000 + i * 10,
    durationMs: 80 + (i % 7) * 13,
    ...(sessionId ? { sessionId } : {}),
    attributes: {
      "speaknode.agent.id": "agt_01jqz8k3m4n5p6q7r8s9t0v1w2",
      "gen_ai.request.model": "scripted-demo",
      "gen_ai.usage.input_tokens": 1200 + i,
      "gen_ai.usage.output_tokens": 85,
      "lk.speech_id": `speech_${i}`,
      "lk.interrupted": false,
      "lk.response.ttft": 0.241,
    },
  });
}

