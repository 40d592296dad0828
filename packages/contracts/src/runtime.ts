// The runtime API: what the voice runtime reads and reports about one session, authenticated with
// a service token. The runtime fetches the session's rendered configuration (with the webhook
// tools' secret headers, decrypted only here), posts its events once per `eventId`, and uploads
// the recording and its waveform. Times are milliseconds unless the name says otherwise.
import { z } from "zod";
import { int4Max, text, jsonValue } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { LanguageTag, Locale, ProviderChoice, VadSettings } from "./agents.ts";
import { TurnSettings, defaultTurnSettings } from "./turn-taking.ts";
import { SystemToolName, Tool } from "./tools.ts";
import { SessionChannel } from "./sessions.ts";
import { SessionStatus } from "./session-protocol.ts";
import { TelephonyProviderName } from "./telephony.ts";

const timestamp = Timestamp;
const ms = z.number().int().min(0).max(24 * 60 * 60 * 1000);

/** Audience of the service token the runtime presents (`Authorization: Bearer …`). */
export const runtimeServiceAudience = "speaknode:runtime";

// ---- Configuration -----------------------------------------------------------------------------

export const RuntimeTransferTarget = z.object({ agentId: idSchema("agent"), name: text(), published: z.boolean() }).meta({ id: "RuntimeTransferTarget" });
export type RuntimeTransferTarget = z.infer<typeof RuntimeTransferTarget>;

/** A space's webhook tool as the runtime calls it: the API's Tool fields, plus the decrypted
 *  secret headers and where each argument goes. `url` is still a template: `{{variable}}` from
 *  `variables`, `{param}` from the call's arguments. */
export const RuntimeWebhookTool = Tool.pick({
  id: true,
  code: true,
  description: true,
  method: true,
  url: true,
  headersSchema: true,
  bodySchema: true,
  headers: true,
  timeoutMs: true,
  preToolSpeech: true,
  progressSpeech: true,
  transferRules: true,
  bodyEncoding: true,
  parameterStyles: true,
})
  .extend({
    type: z.literal("webhook"),
    /** Decrypted values: keep them out of logs and prompts. */
    secretHeaders: z.record(text(), text()),
    /** The only origin (scheme://host[:port]) the secret headers may be sent to: a call whose
     *  rendered URL is on another origin is refused, never sent. Null: they go nowhere. */
    secretOrigin: text().nullable().default(null),
    /** Where each argument goes, for tools imported from OpenAPI; null for hand-written tools. */
    parameterLocations: z.record(text(), z.enum(["path", "query", "body", "bodyRoot"])).nullable(),
    /** Decrypted secret query parameters (bound to `secretOrigin` like the secret headers). */
    secretQuery: z.record(text(), text()).default({}),
  })
  .meta({ id: "RuntimeWebhookTool" });
export type RuntimeWebhookTool = z.infer<typeof RuntimeWebhookTool>;

export const RuntimeSystemTool = z
  .object({
    type: z.literal("system"),
    name: SystemToolName,
    description: text(),
    /** For transfer_to_agent: the agents it may hand over to, by name, with when to choose each. */
    targets: z.array(z.object({ agentId: idSchema("agent"), name: text(), when: text() })),
    /** For transfer_to_number: the people it may transfer the caller to (announcement rendered). */
    destinations: z.array(z.object({ name: text(), number: text(), when: text(), announcement: text() })).default([]),
  })
  .meta({ id: "RuntimeSystemTool" });
export type RuntimeSystemTool = z.infer<typeof RuntimeSystemTool>;

export const RuntimeTool = z.discriminatedUnion("type", [RuntimeWebhookTool, RuntimeSystemTool]);
export type RuntimeTool = z.infer<typeof RuntimeTool>;

/** A space's provider key one of the agent's stages uses, decrypted: keep it out of logs. The
 *  runtime sends it to `baseUrl` only, after vetting that destination. */
export const RuntimeProviderCredential = z
  .object({ id: idSchema("providerCredential"), provider: text(), baseUrl: text(), apiKey: text() })
  .meta({ id: "RuntimeProviderCredential" });
export type RuntimeProviderCredential = z.infer<typeof RuntimeProviderCredential>;

/** The platform Admin's endpoint for a catalog model (its defaults' `baseUrl`): where the platform's key goes. */
export const RuntimePlatformEndpoint = z
  .object({ kind: z.enum(["llm", "stt", "tts"]), provider: text(), model: text(), baseUrl: text() })
  .meta({ id: "RuntimePlatformEndpoint" });
export type RuntimePlatformEndpoint = z.infer<typeof RuntimePlatformEndpoint>;

/** Which key and endpoint each stage uses: a stage with a `credentialId` uses that credential only;
 *  one without uses the platform's key with the platform's endpoint (catalog, else the runtime's env). */
export const RuntimeProviderAccess = z
  .object({ credentials: z.array(RuntimeProviderCredential), platformEndpoints: z.array(RuntimePlatformEndpoint) })
  .meta({ id: "RuntimeProviderAccess" });
export type RuntimeProviderAccess = z.infer<typeof RuntimeProviderAccess>;

export const RuntimePhone = z
  .object({
    provider: TelephonyProviderName,
    direction: z.enum(["inbound", "outbound"]),
    /** E.164; personal data: never logged. */
    from: text().nullable(),
    to: text().nullable(),
    providerCallId: text().nullable(),
    recordingEnabled: z.boolean(),
    /** Outbound: what to do when an answering machine answers (message rendered with variables). */
    voicemail: z.object({ action: z.enum(["hang_up", "leave_message"]), message: text() }),
  })
  .meta({ id: "RuntimePhone" });
export type RuntimePhone = z.infer<typeof RuntimePhone>;

export const RuntimeConfig = z
  .object({
    sessionId: idSchema("session"),
    spaceId: idSchema("space"),
    agentId: idSchema("agent"),
    /** The published version that runs, or null with `draftVersion` for a draft. */
    agentVersion: z.number().int().nullable(),
    draftVersion: z.number().int().nullable(),
    status: SessionStatus,
    channel: SessionChannel,
    /** The language to start in: one of `locales`. */
    language: text(),
    variables: z.record(text(), z.union([text(), z.number(), z.boolean(), z.null()])),
    agent: z.object({
      name: text(),
      /** Rendered with the session's variables. */
      systemPrompt: text(),
      temperature: z.number(),
      maxTokensPerConversation: z.number().int().nullable(),
      llm: ProviderChoice,
      stt: ProviderChoice,
      vad: VadSettings,
      turn: TurnSettings.default(defaultTurnSettings),
      autoDetectLanguage: z.boolean(),
      defaultLanguage: text(),
    }),
    /** One per language, `firstMessage` rendered with the session's variables. */
    locales: z.array(Locale),
    tools: z.array(RuntimeTool),
    /** Every agent the tools may transfer to, deduplicated. */
    transferTargets: z.array(RuntimeTransferTarget),
    providerAccess: RuntimeProviderAccess.default({ credentials: [], platformEndpoints: [] }),
    /** Set for phone sessions: the call, and what to do when an answering machine picks up. */
    phone: RuntimePhone.nullable().default(null),
  })
  .meta({ id: "RuntimeConfig" });
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;

// ---- Events ------------------------------------------------------------------------------------

const turnId = text().min(1).max(100);
const turnText = text().max(20_000);

export const TurnMetrics = z
  .strictObject({
    /** From the end of the user's speech until the turn was judged over. */
    endOfUtteranceDelayMs: ms.optional(),
    /** From the end of speech until the final transcript. */
    sttFinalMs: ms.optional(),
    llmTimeToFirstTokenMs: ms.optional(),
    /** Time spent in tool calls during the turn. */
    toolMs: ms.optional(),
    ttsTimeToFirstByteMs: ms.optional(),
    /** From the end of the user's speech until the agent's first audio. */
    voiceToVoiceMs: ms.optional(),
    /** User turns, semantic detection: the end-of-turn model's probability that the caller was done, and the language's threshold. */
    endOfTurnProbability: z.number().min(0).max(1).optional(),
    endOfTurnThreshold: z.number().min(0).max(1).optional(),
    /** Agent turns: the reply was generated preemptively, on the transcript before the turn was confirmed. */
    preemptive: z.boolean().optional(),
    /** Agent turns: the audio came from the greeting cache, no speech synthesis on the call. */
    audioFromCache: z.boolean().optional(),
  })
  .meta({ id: "TurnMetrics" });
export type TurnMetrics = z.infer<typeof TurnMetrics>;

export const RuntimeStage = z.enum(["media", "vad", "stt", "llm", "tts", "tool", "runtime"]);

/**
 * What the runtime reports. Lifecycle: `agent.ready` (Dispatching → Active), `heartbeat` while
 * Active, `completed` (Active → Completed), a fatal `error` (→ Failed). Turns, tool calls, errors,
 * hand-offs and completions are stored; partial transcripts are only relayed to live subscribers.
 */
export const RuntimeEvent = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("agent.ready") }),
    z.strictObject({ type: z.literal("heartbeat") }),
    z.strictObject({ type: z.literal("transcript.partial"), turnId, role: z.enum(["user", "agent"]), text: turnText }),
    z
      .strictObject({
        type: z.literal("turn"),
        turnId,
        role: z.enum(["user", "agent"]),
        text: turnText,
        language: LanguageTag.optional(),
        startedAt: timestamp,
        endedAt: timestamp,
        /** The agent was cut off by the user (barge-in); `text` is what was actually spoken. */
        interrupted: z.boolean().default(false),
        metrics: TurnMetrics.default({}),
      })
      .refine((t) => Date.parse(t.endedAt) >= Date.parse(t.startedAt), { message: "must not be before startedAt", path: ["endedAt"] }),
    z.strictObject({
      type: z.literal("tool.call"),
      toolCallId: text().min(1).max(100),
      /** The code of a webhook tool or the name of a system tool, as the LLM called it. */
      name: text().min(1).max(100),
      turnId: turnId.optional(),
      /** The arguments the LLM gave. */
      request: z.record(text(), jsonValue()),
      /** The result handed back to the LLM, if any. */
      response: jsonValue().optional(),
      status: z.enum(["ok", "error", "timeout"]),
      error: text().max(1000).optional(),
      latencyMs: ms,
      startedAt: timestamp.optional(),
    }),
    z.strictObject({
      type: z.literal("error"),
      code: text().regex(/^[a-z][a-z0-9_.]{0,63}$/, "must be a short snake_case code like stt_unavailable"),
      stage: RuntimeStage,
      /** Kept with the session, never logged: it may quote what was said. */
      message: text().max(2000),
      /** The conversation cannot go on: the session fails with a reason naming the stage and code. */
      fatal: z.boolean(),
      retryable: z.boolean().optional(),
    }),
    z.strictObject({
      type: z.literal("agent.transferred"),
      /** The agent that handed over, and the one that took the conversation (same space). */
      fromAgentId: idSchema("agent"),
      toAgentId: idSchema("agent"),
      reason: text().trim().min(1).max(500),
      language: LanguageTag.optional(),
    }),
    z.strictObject({
      type: z.literal("dtmf"),
      /** Keys the caller pressed (0-9, *, #, A-D), in order: personal data, never logged. */
      digits: text().regex(/^[0-9*#A-D]{1,64}$/, "must be DTMF digits (0-9, *, #, A-D)"),
      /** `received` from the caller, or `sent` by the agent (send_dtmf). */
      direction: z.enum(["received", "sent"]),
    }),
    z.strictObject({
      type: z.literal("phone.transferred"),
      /** The destination's name as configured; the number stays in the agent's configuration. */
      destination: text().trim().min(1).max(60),
      reason: text().trim().max(500).optional(),
    }),
    z.strictObject({
      type: z.literal("phone.voicemail"),
      /** The provider's answering-machine verdict (machine_end_beep, machine_end_silence, fax, …). */
      answeredBy: text().regex(/^[a-z_]{1,40}$/),
      action: z.enum(["hang_up", "leave_message"]),
    }),
    z.strictObject({
      type: z.literal("completed"),
      // Stored in int4 columns: a larger count is refused here, not by Postgres.
      tokenUsage: z.strictObject({ prompt: z.number().int().min(0).max(int4Max), completion: z.number().int().min(0).max(int4Max) }),
      durationMs: ms,
      /** How the conversation ended: `caller_hung_up`, `agent_ended_call`, `token_limit`, … */
      endReason: text().regex(/^[a-z][a-z0-9_]{0,63}$/, "must be a short snake_case reason like token_limit").optional(),
      /** Whether a recording will be (or was) uploaded; defaults to whether the composite track exists. */
      audioAvailable: z.boolean().optional(),
    }),
  ])
  .meta({ id: "RuntimeEvent" });
export type RuntimeEvent = z.infer<typeof RuntimeEvent>;

export const RuntimeEventBody = z
  .strictObject({
    /** Idempotency key, unique within the session: the same id delivered again changes nothing. */
    eventId: text().min(1).max(200),
    event: RuntimeEvent,
  })
  .meta({ id: "RuntimeEventBody" });
export type RuntimeEventBody = z.infer<typeof RuntimeEventBody>;

export const RuntimeEventAck = z
  .object({
    eventId: text(),
    /** True when this id was delivered before; nothing changed this time. */
    duplicate: z.boolean(),
    /** Whether this delivery reached live subscribers (false for duplicates and stored-only events). */
    live: z.boolean(),
  })
  .meta({ id: "RuntimeEventAck" });
export type RuntimeEventAck = z.infer<typeof RuntimeEventAck>;

// ---- Recording ---------------------------------------------------------------------------------

export const RecordingTrack = z.enum(["composite", "user", "agent"]);
export type RecordingTrack = z.infer<typeof RecordingTrack>;

/** Upload content types and the file extension each is stored under. */
export const recordingContentTypes = { "audio/wav": "wav", "audio/ogg": "ogg" } as const;
export type RecordingContentType = keyof typeof recordingContentTypes;
export const waveformMaxPeaks = 4000;

// A track is uploaded in parts (an R2 multipart upload), so neither side ever holds a whole track
// and no request nears the Worker's 100 MiB body limit: create the upload, PUT its parts (a
// retried part replaces the one with its number), then complete it — or abort. Every part but the
// last has the same size, between the two bounds below; the last may be smaller. A short track is
// one part of any size.
export const recordingPartMinBytes = 5 * 1024 * 1024;
export const recordingPartMaxBytes = 16 * 1024 * 1024;
/** The largest track: 4 hours (the longest session) of 16 kHz PCM16 mono is 461 MB; 48 kHz 1.4 GB. */
export const recordingMaxBytes = 2 * 1024 * 1024 * 1024;
export const recordingMaxParts = Math.ceil(recordingMaxBytes / recordingPartMinBytes);

export const RecordingUploadBody = z
  .strictObject({
    contentType: z.enum(Object.keys(recordingContentTypes) as [RecordingContentType, ...RecordingContentType[]]),
    /** The whole track's size, checked against the limit before any part is sent. */
    sizeBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  })
  .meta({ id: "RecordingUploadBody" });
export type RecordingUploadBody = z.infer<typeof RecordingUploadBody>;

export const RecordingUpload = z
  .object({
    /** Opaque: pass it back unchanged in the part, complete and abort requests. */
    uploadId: text(),
    objectKey: text(),
  })
  .meta({ id: "RecordingUpload" });
export type RecordingUpload = z.infer<typeof RecordingUpload>;

export const RecordingPart = z
  .object({ partNumber: z.number().int().min(1).max(recordingMaxParts), etag: text().min(1).max(200) })
  .meta({ id: "RecordingPart" });
export type RecordingPart = z.infer<typeof RecordingPart>;

export const RecordingCompleteBody = z
  .strictObject({ parts: z.array(RecordingPart).min(1).max(recordingMaxParts) })
  .meta({ id: "RecordingCompleteBody" });
export type RecordingCompleteBody = z.infer<typeof RecordingCompleteBody>;

export const RecordingStored = z
  .object({ track: RecordingTrack, objectKey: text(), contentType: text(), sizeBytes: z.number().int() })
  .meta({ id: "RecordingStored" });
export type RecordingStored = z.infer<typeof RecordingStored>;

/** What the runtime may learn of a session's state: whether it has ended (recordings left behind by a dead runtime are uploaded only then). */
export const RuntimeSessionState = z
  .object({ sessionId: idSchema("session"), status: SessionStatus, ended: z.boolean() })
  .meta({ id: "RuntimeSessionState" });
export type RuntimeSessionState = z.infer<typeof RuntimeSessionState>;

export const WaveformBody = z
  .strictObject({
    peaks: z.array(z.number().min(0).max(1)).min(1).max(waveformMaxPeaks),
    durationMs: ms,
  })
  .meta({ id: "WaveformBody" });
export type WaveformBody = z.infer<typeof WaveformBody>;

/** POST /runtime/v1/sessions/{id}/phone/transfer: cold-transfer the caller to a destination of the
 *  session's `transfer_to_number` tool, named as the runtime got it; the Worker looks the number up. */
export const RuntimePhoneTransferBody = z
  .strictObject({ destination: text().trim().min(1).max(60) })
  .meta({ id: "RuntimePhoneTransferBody" });
export type RuntimePhoneTransferBody = z.infer<typeof RuntimePhoneTransferBody>;

export const RuntimePhoneTransferResult = z.object({ transferred: z.literal(true) }).meta({ id: "RuntimePhoneTransferResult" });
export type RuntimePhoneTransferResult = z.infer<typeof RuntimePhoneTransferResult>;
