// What the dashboard's agent builder asks beyond the agent itself: testing the draft, the
// pre-flight before publishing, which providers work in this deployment, and the voices of a TTS
// provider with a spoken preview. The voice runtime reports its side (platform keys, installed
// offline engines, voice lists) as RuntimeCapabilitiesBody.
import { z } from "zod";
import { jsonValue, text } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { ModelKind, ModelName, ProviderName } from "./catalog.ts";
import { LanguageTag } from "./agents.ts";
import { PreflightProblem } from "./problem.ts";
import { VoiceGender } from "./voices.ts";

// ---- Testing the draft ----------------------------------------------------------------------------

/** POST /v1/agents/{agentId}/test-sessions: a member's session on the current draft (channel `test`). */
export const TestSessionBody = z
  .strictObject({
    /** Test values of the agent's declared variables (typed by its schema; defaults apply). */
    variables: z.record(text(), jsonValue()).default({}),
    /** One of the draft's locales; its default language when omitted. */
    language: LanguageTag.optional(),
  })
  .meta({ id: "TestSessionBody" });
export type TestSessionBody = z.infer<typeof TestSessionBody>;

// ---- Pre-flight -----------------------------------------------------------------------------------

export const AgentPreflight = z
  .object({
    /** True when nothing stops publishing. */
    ok: z.boolean(),
    problems: z.array(PreflightProblem),
    /** The draft differs from the live (published) version; false when never published. */
    unpublishedChanges: z.boolean(),
    checkedAt: Timestamp,
  })
  .meta({ id: "AgentPreflight" });
export type AgentPreflight = z.infer<typeof AgentPreflight>;

// ---- Provider readiness ---------------------------------------------------------------------------

export const ProviderReadiness = z
  .object({
    kind: ModelKind,
    provider: text(),
    /** An agent of this space can use the provider now. */
    usable: z.boolean(),
    /** What makes it usable: an offline engine, the platform's key, or one of the space's keys. */
    source: z.enum(["offline", "platform", "space"]).nullable(),
    /** Why it is not usable, for people (null when usable). */
    reason: text().nullable(),
    /** Languages (BCP 47) it handles here; null = any. */
    languages: z.array(text()).nullable(),
  })
  .meta({ id: "ProviderReadiness" });
export type ProviderReadiness = z.infer<typeof ProviderReadiness>;

export const ProvidersReadiness = z
  .object({
    data: z.array(ProviderReadiness),
    /** The latest voice runtime report; null when no runtime has reported (nothing is known usable then). */
    runtimeReportedAt: Timestamp.nullable(),
  })
  .meta({ id: "ProvidersReadiness" });
export type ProvidersReadiness = z.infer<typeof ProvidersReadiness>;

// ---- Voices ---------------------------------------------------------------------------------------

export const VoiceEntry = z
  .object({
    /** The provider's voice id: what `locale.tts.voice` holds. */
    id: text(),
    name: text(),
    /** BCP 47 language of the voice (null: several or unknown). */
    language: text().nullable(),
    gender: VoiceGender.nullable(),
    /** Accent, style or quality, for people. */
    style: text().nullable(),
  })
  .meta({ id: "VoiceEntry" });
export type VoiceEntry = z.infer<typeof VoiceEntry>;

export const VoiceLibrary = z
  .object({
    provider: text(),
    /** `catalog`: the platform's built-in list; `provider`: the provider's API listed them. */
    source: z.enum(["catalog", "provider"]),
    /** Where ids come from when the list is empty or partial. */
    hint: text(),
    /** Only these ids are accepted for this provider (closed lists such as flite's and OpenAI's). */
    closed: z.boolean(),
    voices: z.array(VoiceEntry),
  })
  .meta({ id: "VoiceLibrary" });
export type VoiceLibrary = z.infer<typeof VoiceLibrary>;

/** POST /v1/spaces/{spaceId}/voices/preview: speaks a sample; answers audio/wav. */
export const VoicePreviewBody = z
  .strictObject({
    provider: ProviderName,
    model: ModelName,
    voice: text().trim().min(1).max(200),
    speed: z.number().min(0.5).max(2).default(1),
    language: LanguageTag.optional(),
    /** What to say; a greeting in the language by default. */
    text: text().trim().min(1).max(300).optional(),
    credentialId: idSchema("providerCredential").nullable().optional(),
  })
  .meta({ id: "VoicePreviewBody" });
export type VoicePreviewBody = z.infer<typeof VoicePreviewBody>;

// ---- What a voice runtime reports -----------------------------------------------------------------

export const RuntimeProviderCapability = z.strictObject({
  kind: ModelKind,
  provider: ProviderName,
  /** The runtime's environment holds this provider's platform key (offline providers: false). */
  platformKey: z.boolean(),
  /** The runtime can run it at all (an offline engine is installed; a cloud provider: true). */
  available: z.boolean(),
  /** Why not available, for people. */
  reason: text().max(500).nullable().default(null),
  /** Languages it handles here (offline engines: the installed models); null = any. */
  languages: z.array(text().min(2).max(35)).max(500).nullable().default(null),
});
export type RuntimeProviderCapability = z.infer<typeof RuntimeProviderCapability>;

/** PUT /runtime/v1/capabilities, sent by each runtime at start and every few minutes. */
export const RuntimeCapabilitiesBody = z
  .strictObject({
    /** Stable per runtime process host (e.g. hostname:port). */
    runtimeId: text().min(1).max(100),
    providers: z.array(RuntimeProviderCapability).max(100),
    /** Voices the runtime listed from a provider's API with the platform key, by provider. */
    voices: z.record(ProviderName, z.array(VoiceEntry).max(2000)).default({}),
  })
  .meta({ id: "RuntimeCapabilitiesBody" });
export type RuntimeCapabilitiesBody = z.infer<typeof RuntimeCapabilitiesBody>;
