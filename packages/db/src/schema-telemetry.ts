// Telemetry: the OpenTelemetry spans the voice runtime exports (ingested through a Queue), the
// queue messages that could not be stored (dead letters, for the platform Admin), and the daily
// aggregates the analytics API serves.
import { bigint, date, index, integer, jsonb, pgTable, primaryKey, smallint, text, varchar } from "drizzle-orm/pg-core";
import { createdAt, tz } from "./columns.ts";

/**
 * One row per span, keyed by (trace id, span id) so a redelivered batch changes nothing. Not tied
 * to `sessions` by a foreign key: spans arrive asynchronously and must never fail to insert
 * because their session is gone; `session_id`/`space_id`/`agent_id` link them when known.
 */
export const spans = pgTable(
  "spans",
  {
    /** 32 lowercase hex chars. */
    traceId: varchar("trace_id", { length: 32 }).notNull(),
    /** 16 lowercase hex chars. */
    spanId: varchar("span_id", { length: 16 }).notNull(),
    parentSpanId: varchar("parent_span_id", { length: 16 }),
    sessionId: text("session_id"),
    spaceId: text("space_id"),
    agentId: text("agent_id"),
    name: varchar("name", { length: 300 }).notNull(),
    /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
    kind: smallint("kind").notNull().default(0),
    startTimeUnixNano: bigint("start_time_unix_nano", { mode: "bigint" }).notNull(),
    endTimeUnixNano: bigint("end_time_unix_nano", { mode: "bigint" }).notNull(),
    /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
    statusCode: smallint("status_code").notNull().default(0),
    statusMessage: varchar("status_message", { length: 1000 }),
    /** Span attributes flattened to plain JSON values (resource attributes under `resource`). */
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default({}),
    resource: jsonb("resource").$type<Record<string, unknown>>().notNull().default({}),
    events: jsonb("events").$type<{ name: string; timeUnixNano: string; attributes: Record<string, unknown> }[]>().notNull().default([]),
    receivedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.traceId, t.spanId] }), index("spans_session_start_idx").on(t.sessionId, t.startTimeUnixNano)],
);

/** Queue messages that failed every retry: kept whole for the platform Admin to inspect. */
export const telemetryDeadLetters = pgTable(
  "telemetry_dead_letters",
  {
    id: text("id").primaryKey(),
    queue: varchar("queue", { length: 100 }).notNull(),
    /** The queue's own message id, so a redelivered dead letter is stored once. */
    messageId: varchar("message_id", { length: 200 }).notNull().unique(),
    body: jsonb("body").$type<unknown>(),
    error: varchar("error", { length: 2000 }),
    attempts: integer("attempts").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("telemetry_dead_letters_created_idx").on(t.createdAt)],
);

/**
 * Daily aggregates per space and agent (`agent_id` = '' is the whole space: percentiles cannot be
 * combined from per-agent rows). Days are UTC. Latencies in milliseconds, null when unmeasured.
 */
export const analyticsDaily = pgTable(
  "analytics_daily",
  {
    day: date("day", { mode: "string" }).notNull(),
    spaceId: text("space_id").notNull(),
    agentId: text("agent_id").notNull().default(""),
    sessionsTotal: integer("sessions_total").notNull().default(0),
    sessionsCompleted: integer("sessions_completed").notNull().default(0),
    sessionsFailed: integer("sessions_failed").notNull().default(0),
    /** Pending, dispatching or active at refresh time. */
    sessionsOpen: integer("sessions_open").notNull().default(0),
    /** Sum of ended sessions' durations from start to end. */
    voiceMs: bigint("voice_ms", { mode: "number" }).notNull().default(0),
    voiceToVoiceP50Ms: integer("voice_to_voice_p50_ms"),
    voiceToVoiceP95Ms: integer("voice_to_voice_p95_ms"),
    llmTtftP50Ms: integer("llm_ttft_p50_ms"),
    llmTtftP95Ms: integer("llm_ttft_p95_ms"),
    ttsTtfbP50Ms: integer("tts_ttfb_p50_ms"),
    ttsTtfbP95Ms: integer("tts_ttfb_p95_ms"),
    toolCalls: integer("tool_calls").notNull().default(0),
    toolErrors: integer("tool_errors").notNull().default(0),
    refreshedAt: tz("refreshed_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.day, t.spaceId, t.agentId] }), index("analytics_daily_space_day_idx").on(t.spaceId, t.day)],
);
