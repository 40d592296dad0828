// Conversations. Postgres is the system of record for their history; the SessionRoom Durable
// Object holds the live state machine and writes through to these rows. What the voice runtime
// reports (turns, tool calls, errors, recordings) is stored here through the runtime API, keyed
// by the runtime's event ids so a redelivered event changes nothing.
import { sql } from "drizzle-orm";
import { bigint, boolean, doublePrecision, index, integer, json, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { spaces } from "./schema.ts";
import { agents } from "./schema-agents.ts";
import { createdAt, tz, updatedAt } from "./columns.ts";

export const sessionStatus = pgEnum("session_status", ["pending", "dispatching", "active", "completed", "failed"]);
export const sessionChannel = pgEnum("session_channel", ["api", "widget", "web", "phone", "campaign", "test"]);
export const callDirection = pgEnum("call_direction", ["inbound", "outbound"]);


export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    /** Kept when the agent is deleted: history outlives configuration. */
    agentId: text("agent_id").references(() => agents.id, { onDelete: "set null" }),
    /** The published version that ran; null when a draft was dispatched (then `draftVersion`). */
    agentVersion: integer("agent_version"),
    draftVersion: integer("draft_version"),
    status: sessionStatus("status").notNull().default("pending"),
    failureReason: varchar("failure_reason", { length: 500 }),
    channel: sessionChannel("channel").notNull(),
    /** Phone number, widget visitor id or API caller id: personal data, never logged. */
    caller: varchar("caller", { length: 200 }),
    language: varchar("language", { length: 35 }).notNull(),
    variables: json("variables").$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    mediaDriver: varchar("media_driver", { length: 20 }).notNull(),
    createdAt: createdAt(),
    startedAt: tz("started_at"),
    endedAt: tz("ended_at"),
    /** LLM token usage the runtime reported on completion; null until then. */
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    /** How a completed session ended, as the runtime reported it (caller hung up, token limit…). */
    endReason: varchar("end_reason", { length: 200 }),
    /** Phone sessions: the call's direction, numbers (E.164; personal data, never logged), the
     *  number of the space it used, the provider's call id and its last reported status. */
    direction: callDirection("direction"),
    fromNumber: varchar("from_number", { length: 16 }),
    toNumber: varchar("to_number", { length: 16 }),
    phoneNumberId: text("phone_number_id"),
    providerCallId: varchar("provider_call_id", { length: 100 }),
    providerStatus: varchar("provider_status", { length: 40 }),
    /** A capability URL that controls the provider's live call (VoxImplant: the scenario session's
     *  media_session_access_secure_url, for hang-up and transfer). Never logged or returned. */
    providerControlUrl: varchar("provider_control_url", { length: 1000 }),
    /** Why the provider's call ended (busy, no-answer, the caller hung up, transferred…). */
    hangupCause: varchar("hangup_cause", { length: 200 }),
    /** Campaign calls: the campaign and the attempt this session is (one session per attempt). */
    campaignId: text("campaign_id"),
    campaignAttemptId: text("campaign_attempt_id"),
    /** Post-call analysis (contracts' AnalysisStatus; null: the session ended before analysis existed). */
    analysisStatus: varchar("analysis_status", { length: 20 }),
    /** not_configured / failed: why. */
    analysisReason: varchar("analysis_reason", { length: 1000 }),
    /** contracts' AnalysisOutput: summary and extracted data are personal data, never logged. */
    analysisResult: jsonb("analysis_result").$type<Record<string, unknown>>(),
    /** The success evaluation's verdict and score, for filters and analytics. */
    analysisPassed: boolean("analysis_passed"),
    analysisScore: integer("analysis_score"),
    analysisAttempts: integer("analysis_attempts").notNull().default(0),
    analysisModel: varchar("analysis_model", { length: 200 }),
    /** When the analysis was (last) queued: the sweep re-queues pending ones whose message was lost. */
    analysisRequestedAt: tz("analysis_requested_at"),
    analyzedAt: tz("analyzed_at"),
  },
  (t) => [
    index("sessions_space_created_idx").on(t.spaceId, t.createdAt),
    index("sessions_agent_idx").on(t.agentId),
    uniqueIndex("sessions_provider_call_uq").on(t.providerCallId),
    // Concurrent calls of a number: its live sessions.
    index("sessions_phone_number_status_idx").on(t.phoneNumberId, t.status),
    // Concurrent calls of a space (every number, every campaign).
    index("sessions_space_direction_status_idx").on(t.spaceId, t.direction, t.status),
    // Live sessions of a space over every channel (the plan's concurrency limit at dispatch).
    index("sessions_space_live_idx").on(t.spaceId).where(sql`${t.status} in ('pending', 'dispatching', 'active')`),
    index("sessions_campaign_idx").on(t.campaignId, t.createdAt),
    uniqueIndex("sessions_campaign_attempt_uq").on(t.campaignAttemptId),
    index("sessions_space_analysis_idx").on(t.spaceId, t.analysisPassed, t.createdAt),
    index("sessions_analysis_pending_idx").on(t.analysisRequestedAt).where(sql`${t.analysisStatus} = 'pending'`),
  ],
);

const sessionRef = () =>
  text("session_id")
    .notNull()
    .references(() => sessions.id, { onDelete: "cascade" });

/**
 * Every event id the runtime delivered (partial transcripts aside, which live only in the room):
 * the idempotency ledger, and the only record of reported errors and completions.
 */
export const sessionRuntimeEvents = pgTable(
  "session_runtime_events",
  {
    sessionId: sessionRef(),
    eventId: varchar("event_id", { length: 200 }).notNull(),
    type: varchar("type", { length: 40 }).notNull(),
    /** Small, typed by `type`: an error's code, stage and message; a completion's usage. */
    detail: json("detail").$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.eventId] })],
);

export const turnRole = pgEnum("turn_role", ["user", "agent"]);

/** Final turns of a conversation with their latency metrics (milliseconds; null when not measured). */
export const sessionTurns = pgTable(
  "session_turns",
  {
    sessionId: sessionRef(),
    eventId: varchar("event_id", { length: 200 }).notNull(),
    turnId: varchar("turn_id", { length: 100 }).notNull(),
    role: turnRole("role").notNull(),
    /** The transcript: personal data, never logged. */
    text: text("text").notNull(),
    language: varchar("language", { length: 35 }),
    interrupted: boolean("interrupted").notNull().default(false),
    startedAt: tz("started_at").notNull(),
    endedAt: tz("ended_at").notNull(),
    endOfUtteranceDelayMs: integer("end_of_utterance_delay_ms"),
    sttFinalMs: integer("stt_final_ms"),
    llmTtftMs: integer("llm_ttft_ms"),
    toolMs: integer("tool_ms"),
    ttsTtfbMs: integer("tts_ttfb_ms"),
    voiceToVoiceMs: integer("voice_to_voice_ms"),
    endOfTurnProbability: doublePrecision("end_of_turn_probability"),
    endOfTurnThreshold: doublePrecision("end_of_turn_threshold"),
    preemptive: boolean("preemptive"),
    audioFromCache: boolean("audio_from_cache"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.eventId] }), index("session_turns_session_started_idx").on(t.sessionId, t.startedAt)],
);

export const toolCallStatus = pgEnum("tool_call_status", ["ok", "error", "timeout"]);

/** Tool calls the agent made: arguments and result as the runtime saw them (may hold personal data). */
export const sessionToolCalls = pgTable(
  "session_tool_calls",
  {
    sessionId: sessionRef(),
    eventId: varchar("event_id", { length: 200 }).notNull(),
    toolCallId: varchar("tool_call_id", { length: 100 }).notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    turnId: varchar("turn_id", { length: 100 }),
    request: json("request").$type<Record<string, unknown>>().notNull(),
    response: json("response").$type<unknown>(),
    status: toolCallStatus("status").notNull(),
    error: varchar("error", { length: 1000 }),
    latencyMs: integer("latency_ms").notNull(),
    startedAt: tz("started_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.eventId] }), index("session_tool_calls_session_idx").on(t.sessionId, t.createdAt)],
);

export const recordingTrack = pgEnum("recording_track", ["composite", "user", "agent"]);

/** Audio of a session in the object store (R2), one object per track; the composite carries the
 *  player's waveform peaks. */
export const sessionRecordings = pgTable(
  "session_recordings",
  {
    sessionId: sessionRef(),
    track: recordingTrack("track").notNull(),
    objectKey: varchar("object_key", { length: 300 }).notNull(),
    contentType: varchar("content_type", { length: 40 }).notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    /** Peak amplitudes 0..1, evenly spaced over `waveformDurationMs`. */
    waveformPeaks: json("waveform_peaks").$type<number[]>(),
    waveformDurationMs: integer("waveform_duration_ms"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.track] })],
);
