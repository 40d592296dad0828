// The telemetry queue's wire format: what the Worker's POST /v1/traces and the SessionRoom (at a
// session's end) enqueue, and what the Worker's consumer reads.
// Versioned: every message carries `protocolVersion`, and a breaking change bumps it (a consumer
// refuses versions it does not know, which sends them to the dead-letter queue, never to Postgres).
//
// Spans travel already normalized — ids lowercase hex, times as decimal nanosecond strings,
// attributes flattened to plain JSON (workers/src/telemetry/attributes.ts), the session id resolved — grouped by
// resource and instrumentation scope as OTLP groups them, so a consumer can store them without
// further lookups and forward a group to Langfuse with its structure intact.
import { z } from "zod";
import { text } from "./text.ts";

export const telemetryProtocolVersion = 1;

/** The producer binding in wrangler.toml; the Worker and the SessionRoom send through it. */
export const telemetryQueueBinding = "TELEMETRY_QUEUE";

/** Queue names as wrangler.toml declares them; the Worker's `queue` handler dispatches on them. */
export const telemetryQueueName = "speaknode-telemetry";
export const telemetryDeadLetterQueueName = "speaknode-telemetry-dlq";
/** wrangler.toml's max_retries of the telemetry consumer: deliveries = retries + 1. */
export const telemetryMaxRetries = 3;

/** A queue message may hold 128 KB; this leaves room for the envelope and metadata. */
export const messageBudgetBytes = 100_000;
/** One sendBatch call may carry 100 messages and 256 KB in all. */
export const sendBatchBudgetBytes = 240_000;
export const sendBatchMaxMessages = 100;

const decimal = text().regex(/^\d{1,19}$/);
// Attributes were made plain JSON by the producer; checking each value again would double the cost.
const flat = z.custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "must be an object");

export const SpanRecord = z.object({
  traceId: text().regex(/^[0-9a-f]{32}$/),
  spanId: text().regex(/^[0-9a-f]{16}$/),
  parentSpanId: text().regex(/^[0-9a-f]{16}$/).nullable(),
  /** From the span's `speaknode.session.id` attribute, else its resource's; null when neither. */
  sessionId: text().max(100).nullable(),
  name: text().max(300),
  kind: z.number().int().min(0).max(5),
  startTimeUnixNano: decimal,
  endTimeUnixNano: decimal,
  statusCode: z.number().int().min(0).max(2),
  statusMessage: text().max(1000).nullable(),
  attributes: flat,
  events: z.array(z.object({ name: text(), timeUnixNano: decimal, attributes: flat })),
});
export type SpanRecord = z.infer<typeof SpanRecord>;

export const SpanGroup = z.object({
  resource: flat,
  scope: z.object({ name: text(), version: text().nullable() }),
  spans: z.array(SpanRecord).min(1),
});
export type SpanGroup = z.infer<typeof SpanGroup>;

/** Spans to store (then forward, when Langfuse is configured). */
export const SpansMessage = z.object({
  protocolVersion: z.literal(telemetryProtocolVersion),
  type: z.literal("spans"),
  /** When the Worker accepted them, ms since the epoch. */
  receivedAtMs: z.number().int(),
  groups: z.array(SpanGroup).min(1),
});
export type SpansMessage = z.infer<typeof SpansMessage>;

/** Spans already stored whose forwarding to Langfuse failed and is being retried on its own. */
export const LangfuseForwardMessage = z.object({
  protocolVersion: z.literal(telemetryProtocolVersion),
  type: z.literal("langfuse.forward"),
  groups: z.array(SpanGroup).min(1),
});
export type LangfuseForwardMessage = z.infer<typeof LangfuseForwardMessage>;

/**
 * Sessions that ended (the SessionRoom sends one per session): the consumer refreshes the
 * analytics of their (space, day) once per batch, however many sessions of that day ended in it.
 */
export const AnalyticsRefreshMessage = z.object({
  protocolVersion: z.literal(telemetryProtocolVersion),
  type: z.literal("analytics.refresh"),
  sessionIds: z.array(text().min(1).max(100)).min(1).max(100),
});
export type AnalyticsRefreshMessage = z.infer<typeof AnalyticsRefreshMessage>;

export const TelemetryMessage = z.discriminatedUnion("type", [SpansMessage, LangfuseForwardMessage, AnalyticsRefreshMessage]);
export type TelemetryMessage = z.infer<typeof TelemetryMessage>;
