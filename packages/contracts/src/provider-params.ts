// What each provider's parameters may hold, one schema per provider, in two tiers:
// - agent params: tuning the voice runtime actually reads (sampling, formatting, voice settings);
// - platform endpoint params (`baseUrl`): only in the catalog defaults the platform Admin manages,
//   because the endpoint of a model run on the platform's keys receives those keys. An agent never
//   names an endpoint or a key: it uses the platform's, or one of its space's provider credentials
//   (bring your own key), which carries its own base URL.
// Stored configurations written before this split keep loading: `storedParams` drops what an
// agent may no longer set instead of failing the read.
import { z } from "zod";
import { text, urlText } from "./text.ts";

type Kind = "llm" | "stt" | "tts" | "vad";
type Shape = Record<string, z.ZodType>;

const unit = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");
const llmTuning: Shape = {
  /** Nucleus sampling: only tokens within this probability mass are considered. */
  topP: unit,
  /** The most tokens one answer may use. */
  maxTokens: z.number().int().min(1).max(100_000),
};

/** Agent-settable parameters per kind and provider: exactly what the voice runtime reads. */
export const agentParamShapes: Record<Kind, Record<string, Shape>> = {
  llm: { "openai-compatible": llmTuning, openrouter: llmTuning, scripted: {} },
  stt: {
    deepgram: {
      smartFormat: z.boolean(),
      punctuate: z.boolean(),
      /** Silence (ms) after which Deepgram finalises a transcript. */
      endpointingMs: z.number().int().min(0).max(5000),
      fillerWords: z.boolean(),
      profanityFilter: z.boolean(),
    },
    /** A hint of vocabulary and style for the transcription. */
    openai: { prompt: text().max(1000) },
    pocketsphinx: {},
  },
  tts: {
    elevenlabs: { stability: unit, similarityBoost: unit, style: unit, useSpeakerBoost: z.boolean() },
    cartesia: {},
    /** How the voice should sound (gpt-4o-mini-tts). */
    openai: { instructions: text().max(2000) },
    flite: {},
  },
  vad: { silero: {} },
};

/** Providers whose keys a space may bring, with the endpoint each key goes to unless it names
 *  another. These are the SDKs' own defaults (OpenAI SDK, LiveKit plugins, our Cartesia client). */
export const credentialProviderDefaults = {
  "openai-compatible": "https://api.openai.com/v1",
  openrouter: "https://openrouter.ai/api/v1",
  openai: "https://api.openai.com/v1",
  deepgram: "https://api.deepgram.com",
  elevenlabs: "https://api.elevenlabs.io/v1",
  cartesia: "https://api.cartesia.ai",
} as const;
export type CredentialProvider = keyof typeof credentialProviderDefaults;
export const credentialProviders = Object.keys(credentialProviderDefaults) as CredentialProvider[];
export const isCredentialProvider = (provider: string): provider is CredentialProvider => Object.hasOwn(credentialProviderDefaults, provider);

/** Admin-only endpoint fields of catalog defaults, for providers that send a key somewhere. */
const platformEndpointShape: Shape = { baseUrl: urlText({ protocol: /^https?$/ }).max(2000) };

// Names that smell of an endpoint or a secret get a message that says where those belong.
const endpointish = /url|endpoint|host|key|token|secret|auth|password|header/i;

function shapeOf(kind: Kind, provider: string, who: "agent" | "admin"): Shape {
  const own = agentParamShapes[kind][provider] ?? {};
  return who === "admin" && isCredentialProvider(provider) ? { ...own, ...platformEndpointShape } : own;
}

export interface ParamIssue {
  path: (string | number)[];
  message: string;
}

/** Problems with `params` of a (kind, provider) choice, for an agent or for the Admin's catalog defaults. */
export function paramIssues(kind: Kind, provider: string, params: Record<string, unknown>, who: "agent" | "admin"): ParamIssue[] {
  const shape = shapeOf(kind, provider, who);
  const issues: ParamIssue[] = [];
  for (const [key, value] of Object.entries(params)) {
    // hasOwn: "constructor" or "__proto__" must not find Object's own members.
    const schema = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!schema) {
      const allowed = Object.keys(shape);
      const message =
        who === "agent" && endpointish.test(key)
          ? `"${key}" cannot be set on an agent: the endpoint and key come from the platform, or from one of the space's provider keys (credentialId)`
          : `unknown parameter "${key}" of ${provider}; ${allowed.length > 0 ? `one of ${allowed.join(", ")}` : "it takes none"}`;
      issues.push({ path: [key], message });
      continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) for (const issue of parsed.error.issues) issues.push({ path: [key, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))], message: issue.message });
  }
  return issues;
}

/** The params of a stored choice an agent may still hold: unknown, endpoint and invalid keys dropped. */
export function storedParams(kind: Kind, provider: string, params: Record<string, unknown>): Record<string, string | number | boolean | null> {
  const shape = shapeOf(kind, provider, "agent");
  const kept: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(params)) {
    const schema = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!schema?.safeParse(value).success) continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) kept[key] = value;
  }
  return kept;
}

/** The Admin's endpoint for a catalog model, when its defaults name one. */
export function platformBaseUrl(defaults: Record<string, unknown>): string | null {
  const v = defaults["baseUrl"];
  return typeof v === "string" && v.length > 0 ? v : null;
}

/** Catalog defaults without the Admin-only endpoint fields: the tuning an agent inherits. */
export function tuningDefaults(kind: Kind, provider: string, defaults: Record<string, string | number | boolean | null>): Record<string, string | number | boolean | null> {
  return storedParams(kind, provider, defaults);
}
