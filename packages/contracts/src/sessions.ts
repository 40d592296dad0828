// Dispatching a conversation and reading it back.
import { z } from "zod";
import { text, jsonValue } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { LanguageTag } from "./agents.ts";
import { SessionStatus, TurnMetricsView } from "./session-protocol.ts";
import { CallDirection, CallStatusEntry, SessionPhone } from "./telephony.ts";
import { AnalysisStatus, SessionAnalysis } from "./analysis.ts";

const timestamp = Timestamp;

/** The same enum the live protocol uses. */
export const SessionStatusValue = SessionStatus;
/** `test`: a member's test of an agent's draft from the dashboard (never served publicly, not billed). */
export const SessionChannel = z.enum(["api", "widget", "web", "phone", "campaign", "test"]);

export const DispatchBody = z
  .strictObject({
    /** Values of the agent's declared variables (typed by its schema; defaults apply). */
    variables: z.record(text(), jsonValue()).default({}),
    /** One of the agent's locales; the default language when omitted. */
    language: LanguageTag.optional(),
    channel: z.strictObject({ type: z.enum(["api", "web"]).default("api"), callerId: text().trim().min(1).max(200).optional() }).default({ type: "api" }),
  })
  .meta({ id: "DispatchBody" });

export const MediaConnection = z
  .discriminatedUnion("driver", [
    z.object({ driver: z.literal("local"), url: text(), token: text(), sampleRateHz: z.number().int() }),
    z.object({ driver: z.literal("livekit"), url: text(), token: text(), room: text() }),
  ])
  .meta({ id: "MediaConnection" });

export const DispatchedSession = z
  .object({
    sessionId: idSchema("session"),
    status: SessionStatusValue,
    agentId: idSchema("agent"),
    agentVersion: z.number().int().nullable(),
    language: text(),
    media: MediaConnection,
    /** WebSocket of live session events (`/live/sessions/{id}?token=…`); the token expires in minutes. */
    eventsUrl: text(),
  })
  .meta({ id: "DispatchedSession" });

export const Session = z
  .object({
    id: idSchema("session"),
    spaceId: idSchema("space"),
    agentId: text().nullable(),
    agentVersion: z.number().int().nullable(),
    status: SessionStatusValue,
    failureReason: text().nullable(),
    /** How a completed session ended (the caller hung up, the agent ended the call, the token limit…). */
    endReason: text().nullable(),
    channel: SessionChannel,
    caller: text().nullable(),
    language: text(),
    variables: z.record(text(), z.union([text(), z.number(), z.boolean(), z.null()])),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
    durationMs: z.number().int().nullable(),
    /** Phone sessions: inbound or outbound; null for other channels. */
    direction: CallDirection.nullable(),
    /** Phone sessions: numbers (personal data), the provider's call id, status and hang-up cause. */
    phone: SessionPhone.nullable(),
    /** The post-call analysis at a glance (GET /v1/sessions/{id} has all of it). */
    analysis: z.object({ status: AnalysisStatus, passed: z.boolean().nullable(), score: z.number().int().nullable() }),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

const ms = z.number().int().nullable();

/** What the runtime reported during a phone call, as stored with the session. */
export const SessionPhoneEvent = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("dtmf"), at: timestamp, detail: z.object({ digits: text(), direction: z.enum(["received", "sent"]) }) }),
    z.object({ type: z.literal("phone.transferred"), at: timestamp, detail: z.object({ destination: text(), reason: text().nullable() }) }),
    z.object({ type: z.literal("phone.voicemail"), at: timestamp, detail: z.object({ answeredBy: text(), action: text() }) }),
  ])
  .meta({ id: "SessionPhoneEvent" });
export type SessionPhoneEvent = z.infer<typeof SessionPhoneEvent>;

export const SessionDetail = Session.extend({
  turns: z.array(
    z.object({
      turnId: text(),
      role: z.enum(["user", "agent"]),
      text: text(),
      language: text().nullable(),
      interrupted: z.boolean(),
      startedAt: timestamp,
      endedAt: timestamp,
      metrics: TurnMetricsView,
    }),
  ),
  toolCalls: z.array(
    z.object({ toolCallId: text(), name: text(), turnId: text().nullable(), request: z.record(text(), jsonValue()), response: jsonValue(), status: z.enum(["ok", "error", "timeout"]), error: text().nullable(), latencyMs: z.number().int(), at: timestamp }),
  ),
  errors: z.array(z.object({ at: timestamp, detail: z.record(text(), jsonValue()).nullable() })),
  tokenUsage: z.object({ prompt: z.number().int().nullable(), completion: z.number().int().nullable() }),
  /** Signed links that expire; fetch the session again for fresh ones. */
  recordings: z.array(z.object({ track: z.enum(["composite", "user", "agent"]), url: text(), expiresAt: timestamp, contentType: text(), sizeBytes: z.number().int() })),
  waveform: z.object({ peaks: z.array(z.number()), durationMs: z.number().int() }).nullable(),
  /** Phone sessions: the provider's call status history, oldest first (empty for other channels). */
  callStatuses: z.array(CallStatusEntry),
  /** Phone sessions: DTMF digits (personal data), cold transfers and answering-machine verdicts, oldest first. */
  phoneEvents: z.array(SessionPhoneEvent),
  /** The post-call analysis: summary, structured data and success evaluation when completed. */
  analysisDetail: SessionAnalysis,
}).meta({ id: "SessionDetail" });

/** A fresh live-events subscription for a session (the dashboard watching a call it did not start). */
export const SessionEventsToken = z
  .object({
    /** `wss://…/live/sessions/{id}?token=…`: the SessionRoom's events WebSocket. */
    eventsUrl: text(),
    expiresAt: timestamp,
  })
  .meta({ id: "SessionEventsToken" });
export type SessionEventsToken = z.infer<typeof SessionEventsToken>;
