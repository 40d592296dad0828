// Telemetry as the API serves it: a session's trace (the spans the voice runtime exported, for the
// dashboard's waterfall), the daily analytics series, and dead-lettered queue messages (platform
// Admin). The OTLP ingest schema lives with its route; these are the read side.
import { z } from "zod";
import { text, jsonValue } from "./text.ts";
import { idSchema, storableTime, Timestamp } from "./ids.ts";

/** Span attributes the voice runtime sets on every span of a session; the Worker files spans by them. */
export const spanSessionIdAttribute = "speaknode.session.id";
export const spanAgentIdAttribute = "speaknode.agent.id";

export const SpanKindName = z.enum(["unspecified", "internal", "server", "client", "producer", "consumer"]).meta({ id: "SpanKind" });
export type SpanKindName = z.infer<typeof SpanKindName>;

export const SpanStatusCode = z.enum(["unset", "ok", "error"]);

const hex = (length: number) => text().regex(new RegExp(`^[0-9a-f]{${length}}$`));

export const SpanView = z
  .object({
    traceId: hex(32),
    spanId: hex(16),
    parentSpanId: hex(16).nullable(),
    name: text(),
    kind: SpanKindName,
    /** Decimal strings: nanoseconds since the epoch exceed a JSON number's precision. */
    startTimeUnixNano: text().regex(/^\d+$/),
    endTimeUnixNano: text().regex(/^\d+$/),
    /** The same start in (fractional) milliseconds since the epoch, for drawing. */
    startMs: z.number(),
    durationMs: z.number().min(0),
    status: z.object({ code: SpanStatusCode, message: text().nullable() }),
    /** Flattened OTLP attributes (string, number, boolean, arrays of them). */
    attributes: z.record(text(), jsonValue()),
    events: z.array(z.object({ name: text(), timeUnixNano: text(), attributes: z.record(text(), jsonValue()) })),
  })
  .meta({ id: "Span" });
export type SpanView = z.infer<typeof SpanView>;

/** GET /v1/sessions/{sessionId}/trace */
export const SessionTrace = z
  .object({
    sessionId: idSchema("session"),
    /** Ordered by start time. */
    spans: z.array(SpanView),
    /** More spans exist than the response holds (the oldest are returned). */
    truncated: z.boolean(),
  })
  .meta({ id: "SessionTrace" });
export type SessionTrace = z.infer<typeof SessionTrace>;

export const IsoDay = z.iso.date().check(storableTime);

const percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable() });

export const AnalyticsDay = z
  .object({
    /** UTC day, YYYY-MM-DD. */
    day: IsoDay,
    sessions: z.object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int(), open: z.number().int() }),
    voiceMinutes: z.number(),
    voiceToVoiceMs: percentiles,
    llmTtftMs: percentiles,
    ttsTtfbMs: percentiles,
    toolCalls: z.number().int(),
    toolErrors: z.number().int(),
    /** toolErrors / toolCalls; null without tool calls. */
    toolErrorRate: z.number().nullable(),
  })
  .meta({ id: "AnalyticsDay" });
export type AnalyticsDay = z.infer<typeof AnalyticsDay>;

/** GET /v1/spaces/{spaceId}/analytics?from&to&agentId — every day of the range, zero-filled. */
export const AnalyticsSeries = z
  .object({
    spaceId: idSchema("space"),
    agentId: idSchema("agent").nullable(),
    from: IsoDay,
    to: IsoDay,
    days: z.array(AnalyticsDay),
    /** When the newest aggregate in the range was computed; null when none exists yet. */
    refreshedAt: Timestamp.nullable(),
  })
  .meta({ id: "AnalyticsSeries" });
export type AnalyticsSeries = z.infer<typeof AnalyticsSeries>;

/** The longest range one analytics request may cover. */
export const maxAnalyticsDays = 366;

export const DeadLetter = z
  .object({
    id: text(),
    queue: text(),
    messageId: text(),
    body: jsonValue(),
    error: text().nullable(),
    attempts: z.number().int(),
    createdAt: Timestamp,
  })
  .meta({ id: "DeadLetter" });
export type DeadLetter = z.infer<typeof DeadLetter>;
