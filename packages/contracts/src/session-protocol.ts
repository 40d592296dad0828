// The live events channel of one session (the SessionRoom Durable Object's WebSocket) and the
// internal commands the Worker sends that Durable Object over RPC. Versioned: the welcome frame
// carries `protocolVersion`, and a breaking change bumps it.
//
// Status changes to `dispatching` and `active` are announced by `session.status`; the terminal
// ones by `session.completed` / `session.failed`, which are always the last event of a session
// (the server closes every socket with 1000 right after sending it).
import { z } from "zod";
import { jsonValue, text } from "./text.ts";
import { jsonText } from "./json-text.ts";
import { Timestamp } from "./ids.ts";
import { LanguageTag } from "./agents.ts";

export const sessionProtocolVersion = 1;
/** How many of the latest events a welcome frame replays to a (late) subscriber. */
export const sessionRecentEventsLimit = 50;
/** Client frames are tiny; anything bigger is refused before it is parsed. */
export const sessionClientFrameMaxChars = 4096;

export const SessionStatus = z.enum(["pending", "dispatching", "active", "completed", "failed"]);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** `viewer`: anyone holding the session's events token (a website visitor too); `member`: a member
 *  of the session's space (the dashboard), who also receives the member-only events; `runtime`. */
export const SubscriberRole = z.enum(["viewer", "member", "runtime"]);
export type SubscriberRole = z.infer<typeof SubscriberRole>;

const timestamp = Timestamp;
const reason = text().trim().min(1).max(500);

// Payload shapes, shared by what a publisher sends (without seq/at) and what subscribers receive.
const agentReady = { type: z.literal("agent.ready") };
const transcriptPartial = {
  type: z.literal("transcript.partial"),
  turnId: text().min(1).max(100),
  role: z.enum(["user", "agent"]),
  text: text().max(20_000),
};
const transcriptFinal = {
  type: z.literal("transcript.final"),
  turnId: text().min(1).max(100),
  role: z.enum(["user", "agent"]),
  text: text().max(20_000),
  language: LanguageTag.optional(),
};
const toolCalled = {
  type: z.literal("tool.called"),
  toolCallId: text().min(1).max(100),
  name: text().min(1).max(100),
  status: z.enum(["ok", "error"]),
  latencyMs: z.number().int().min(0),
};
const agentTransferred = {
  type: z.literal("agent.transferred"),
  fromAgentId: text(),
  toAgentId: text(),
  language: LanguageTag.optional(),
};
const sessionCompleted = {
  type: z.literal("session.completed"),
  audioAvailable: z.boolean(),
  durationMs: z.number().int().min(0).optional(),
};
const dtmf = { type: z.literal("dtmf"), digits: text().regex(/^[0-9*#A-D]{1,64}$/), direction: z.enum(["received", "sent"]) };
const phoneTransferred = { type: z.literal("phone.transferred"), destination: text().max(60) };
const phoneVoicemail = { type: z.literal("phone.voicemail"), answeredBy: text().max(40), action: z.enum(["hang_up", "leave_message"]) };
/** The provider's status of a phone session's call (ringing, in-progress, completed, busy…). */
const phoneStatus = { type: z.literal("phone.status"), status: text().max(40) };
const ms = z.number().int().min(0).nullable();
const probability = z.number().min(0).max(1).nullable();
/** A turn's figures as sessions show them (null: not measured, or not that role's; the last four are absent from events stored before they existed). */
export const TurnMetricsView = z
  .strictObject({
    endOfUtteranceDelayMs: ms,
    sttFinalMs: ms,
    llmTtftMs: ms,
    toolMs: ms,
    ttsTtfbMs: ms,
    voiceToVoiceMs: ms,
    /** User turns, semantic detection: the end-of-turn model's probability that the caller was done, against the threshold used. */
    endOfTurnProbability: probability.optional(),
    endOfTurnThreshold: probability.optional(),
    /** Agent turns: generated on the transcript before the turn was confirmed. */
    preemptive: z.boolean().nullable().optional(),
    /** Agent turns: played from the greeting cache, no speech synthesis on the call. */
    audioFromCache: z.boolean().nullable().optional(),
  })
  .meta({ id: "TurnMetricsView" });
/** Member-only: a finished turn's latency breakdown (the same figures the session detail shows). */
const turnMetrics = {
  type: z.literal("turn.metrics"),
  turnId: text().min(1).max(100),
  role: z.enum(["user", "agent"]),
  metrics: TurnMetricsView,
};
/** Member-only: what a tool call was given and answered (results cut to `toolResultPreviewMaxChars`). */
const toolResult = {
  type: z.literal("tool.result"),
  toolCallId: text().min(1).max(100),
  name: text().min(1).max(100),
  arguments: z.record(text(), jsonValue()),
  result: jsonValue().nullable(),
  /** True when `result` was cut (the full one is in the session detail). */
  truncated: z.boolean(),
  error: text().max(2000).nullable(),
};
const sessionStatus = { type: z.literal("session.status"), status: SessionStatus, reason: reason.optional() };
const sessionFailed = { type: z.literal("session.failed"), reason };

/**
 * What a publisher (the runtime, through the Worker) may add to a session. `agent.ready` also
 * moves Dispatching → Active and `session.completed` Active → Completed; the other lifecycle
 * events are produced by the room itself.
 */
export const PublishableSessionEvent = z.discriminatedUnion("type", [
  z.strictObject(agentReady),
  z.strictObject(transcriptPartial),
  z.strictObject(transcriptFinal),
  z.strictObject(toolCalled),
  z.strictObject(agentTransferred),
  z.strictObject(sessionCompleted),
  z.strictObject(dtmf),
  z.strictObject(phoneTransferred),
  z.strictObject(phoneVoicemail),
  z.strictObject(phoneStatus),
  z.strictObject(turnMetrics),
  z.strictObject(toolResult),
]);
export type PublishableSessionEvent = z.infer<typeof PublishableSessionEvent>;

const eventMeta = { seq: z.number().int().min(1), at: timestamp };

export const SessionStatusEvent = z.object({ ...sessionStatus, ...eventMeta });
export const AgentReadyEvent = z.object({ ...agentReady, ...eventMeta });
export const TranscriptPartialEvent = z.object({ ...transcriptPartial, ...eventMeta });
export const TranscriptFinalEvent = z.object({ ...transcriptFinal, ...eventMeta });
export const ToolCalledEvent = z.object({ ...toolCalled, ...eventMeta });
export const AgentTransferredEvent = z.object({ ...agentTransferred, ...eventMeta });
export const SessionCompletedEvent = z.object({ ...sessionCompleted, ...eventMeta });
export const SessionFailedEvent = z.object({ ...sessionFailed, ...eventMeta });
export const DtmfEvent = z.object({ ...dtmf, ...eventMeta });
export const PhoneTransferredEvent = z.object({ ...phoneTransferred, ...eventMeta });
export const PhoneVoicemailEvent = z.object({ ...phoneVoicemail, ...eventMeta });
export const PhoneStatusEvent = z.object({ ...phoneStatus, ...eventMeta });
export const TurnMetricsEvent = z.object({ ...turnMetrics, ...eventMeta });
export const ToolResultEvent = z.object({ ...toolResult, ...eventMeta });

/** Events only `member` (and `runtime`) subscribers receive, live and in the welcome's replay. */
export const memberOnlySessionEventTypes: ReadonlySet<string> = new Set(["turn.metrics", "tool.result"]);
/** A tool result longer than this (as JSON) is cut in the live `tool.result` event. */
export const toolResultPreviewMaxChars = 4000;

export const SessionEvent = z.discriminatedUnion("type", [
  SessionStatusEvent,
  AgentReadyEvent,
  TranscriptPartialEvent,
  TranscriptFinalEvent,
  ToolCalledEvent,
  AgentTransferredEvent,
  SessionCompletedEvent,
  SessionFailedEvent,
  DtmfEvent,
  PhoneTransferredEvent,
  PhoneVoicemailEvent,
  PhoneStatusEvent,
  TurnMetricsEvent,
  ToolResultEvent,
]);
export type SessionEvent = z.infer<typeof SessionEvent>;

export const SessionWelcome = z.object({
  type: z.literal("welcome"),
  protocolVersion: z.literal(sessionProtocolVersion),
  sessionId: text(),
  status: SessionStatus,
  failureReason: text().nullable(),
  /** Seq of the latest event (0 before the first one); `recent` ends with it. */
  seq: z.number().int().min(0),
  recent: z.array(SessionEvent).max(sessionRecentEventsLimit),
});
export type SessionWelcome = z.infer<typeof SessionWelcome>;

export const SessionPong = z.object({ type: z.literal("pong") });

export const SessionFrameErrorCode = z.enum(["bad_message"]);
export const SessionErrorFrame = z.object({ type: z.literal("error"), code: SessionFrameErrorCode, message: text() });
export type SessionErrorFrame = z.infer<typeof SessionErrorFrame>;

/** Everything the server sends on the events socket. */
export const SessionServerMessage = z.discriminatedUnion("type", [
  SessionWelcome,
  ...SessionEvent.options,
  SessionPong,
  SessionErrorFrame,
]);
export type SessionServerMessage = z.infer<typeof SessionServerMessage>;

/** Everything a subscriber may send. */
export const SessionClientMessage = z.discriminatedUnion("type", [z.object({ type: z.literal("ping") })]);
export type SessionClientMessage = z.infer<typeof SessionClientMessage>;

const clientFrame = jsonText.pipe(SessionClientMessage);

/** A client frame, or null when it is binary, too big, not JSON or not a known message. */
export function parseSessionClientMessage(raw: string | ArrayBuffer): SessionClientMessage | null {
  if (typeof raw !== "string" || raw.length > sessionClientFrameMaxChars) return null;
  const parsed = clientFrame.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

// ---- Internal RPC: Worker → SessionRoom -------------------------------------------------------

const durationMs = z.number().int().min(1).max(24 * 60 * 60 * 1000);

/** Creates the room in Pending; repeating it with the same session id changes nothing. */
export const SessionInitCommand = z.strictObject({
  sessionId: text().min(1).max(100),
  /** From init until `agent.ready`; past it the session fails with "agent did not join". */
  dispatchTimeoutMs: durationMs,
  /** Longest silence from the runtime while Active; past it the session fails with "runtime lost". */
  heartbeatTimeoutMs: durationMs,
  /** Longest Active conversation; past it the session fails with "maximum duration reached". */
  maxDurationMs: durationMs,
  /** A campaign's call: when the session ends, the room tells that campaign's CampaignRunner
   *  (retrying from its alarm until the runner has heard it). */
  campaign: z.strictObject({ campaignId: text().min(1).max(100), attemptId: text().min(1).max(100) }).optional(),
});
export type SessionInitCommand = z.infer<typeof SessionInitCommand>;

/** Moving to `failed` needs a reason. */
export const SessionTransitionCommand = z.strictObject({
  to: SessionStatus,
  reason: reason.optional(),
  /** The caller writes this status to the Postgres row itself (dispatch does, on the connection
   *  it already holds), so the room need not open one of its own for it. */
  rowWrittenByCaller: z.boolean().optional(),
});
export type SessionTransitionCommand = z.infer<typeof SessionTransitionCommand>;

export const SessionEventCommand = z.strictObject({
  /** Idempotency key: publishing the same id again changes nothing and returns the first seq. */
  eventId: text().min(1).max(200),
  event: PublishableSessionEvent,
});
export type SessionEventCommand = z.infer<typeof SessionEventCommand>;

export const SessionHeartbeatCommand = z.strictObject({});
export type SessionHeartbeatCommand = z.infer<typeof SessionHeartbeatCommand>;

export const SessionState = z.object({
  sessionId: text(),
  status: SessionStatus,
  failureReason: text().nullable(),
  seq: z.number().int().min(0),
  createdAt: timestamp,
  /** When the session became Active (the conversation's start). */
  startedAt: timestamp.nullable(),
  endedAt: timestamp.nullable(),
  lastHeartbeatAt: timestamp.nullable(),
  dispatchTimeoutMs: z.number().int(),
  heartbeatTimeoutMs: z.number().int(),
  maxDurationMs: z.number().int(),
});
export type SessionState = z.infer<typeof SessionState>;

// RPC drops error classes, so the room answers with results carrying a stable code.
export const SessionRoomErrorCode = z.enum(["invalid_command", "not_initialized", "session_mismatch", "invalid_transition", "invalid_state"]);
export type SessionRoomErrorCode = z.infer<typeof SessionRoomErrorCode>;
export interface SessionRoomFailure {
  ok: false;
  code: SessionRoomErrorCode;
  message: string;
}
export type SessionStateResult = ({ ok: true } & SessionState) | SessionRoomFailure;
export type SessionPublishResult =
  | { ok: true; seq: number; duplicate: boolean; status: SessionStatus }
  | SessionRoomFailure;
