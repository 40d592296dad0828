// The voice catalog per TTS provider: plain data shared by the dashboard's voice library, the API
// (which also checks that a voice belongs to its provider) and the runtime. flite's and OpenAI's
// voices are a closed list; ElevenLabs and Cartesia voices are account-specific ids, so their list
// comes from the provider's API (listed by the voice runtime with the platform key) and an id is
// only checked for its shape.
import { z } from "zod";

export const VoiceGender = z.enum(["female", "male", "neutral"]);
export type VoiceGender = z.infer<typeof VoiceGender>;

export interface VoiceSuggestion {
  /** The provider's voice id, what `locale.tts.voice` holds. */
  id: string;
  /** A name for people. */
  name: string;
  /** BCP 47 language of the voice; absent: several or unknown. */
  language?: string;
  gender?: VoiceGender;
  /** Accent, style or quality, for people. */
  note?: string;
  /** Output sample rate when it is below what the provider usually gives, e.g. 8000 for flite's kal. */
  sampleRateHz?: number;
}

export interface ProviderVoices {
  voices: VoiceSuggestion[];
  /** Where ids come from when the list is empty or partial. */
  hint: string;
  /** Only the listed ids exist (no account-specific voices). */
  closed: boolean;
  /** The shape of an id when the list is not closed (checked when an agent is saved). */
  idPattern?: RegExp;
  /** What `idPattern` expects, for people. */
  idShape?: string;
}

const openaiVoice = (id: string, gender: VoiceGender, note: string): VoiceSuggestion => ({ id, name: id[0]!.toUpperCase() + id.slice(1), gender, note });

export const voiceSuggestions: Record<string, ProviderVoices> = {
  flite: {
    voices: [
      { id: "rms", name: "RMS", language: "en-US", gender: "male", note: "US English, male" },
      { id: "slt", name: "SLT", language: "en-US", gender: "female", note: "US English, female" },
      { id: "awb", name: "AWB", language: "en-GB", gender: "male", note: "Scottish English, male" },
      { id: "kal16", name: "Kal (16 kHz)", language: "en-US", gender: "male", note: "US English, male" },
      { id: "kal", name: "Kal (8 kHz)", language: "en-US", gender: "male", note: "US English, male, 8 kHz", sampleRateHz: 8000 },
    ],
    hint: "A voice built into flite.",
    closed: true,
  },
  openai: {
    voices: [
      openaiVoice("alloy", "neutral", "balanced, clear"),
      openaiVoice("ash", "male", "warm, conversational"),
      openaiVoice("ballad", "male", "expressive, soft"),
      openaiVoice("coral", "female", "friendly, bright"),
      openaiVoice("echo", "male", "calm, even"),
      openaiVoice("fable", "male", "British, storytelling"),
      openaiVoice("nova", "female", "energetic, young"),
      openaiVoice("onyx", "male", "deep, authoritative"),
      openaiVoice("sage", "female", "calm, measured"),
      openaiVoice("shimmer", "female", "light, upbeat"),
      openaiVoice("verse", "male", "dynamic, expressive"),
    ],
    hint: "One of OpenAI's built-in voices (they speak every language the model does).",
    closed: true,
  },
  elevenlabs: {
    voices: [],
    hint: "An ElevenLabs voice id, from the voice library (Voices → ID).",
    closed: false,
    idPattern: /^[A-Za-z0-9]{20}$/,
    idShape: "a 20-character ElevenLabs voice id",
  },
  cartesia: {
    voices: [],
    hint: "A Cartesia voice id (a UUID), from the Cartesia playground's voice list.",
    closed: false,
    idPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    idShape: "a Cartesia voice id (a UUID)",
  },
};

/** The catalog of a provider; an unknown provider gets none and a generic hint. */
export function voicesFor(provider: string): ProviderVoices {
  return Object.hasOwn(voiceSuggestions, provider) ? (voiceSuggestions[provider] as ProviderVoices) : { voices: [], hint: "The voice id of the TTS provider.", closed: false };
}

/** Why `voice` cannot be a voice of `provider` (a sentence for people), or null when it can. */
export function voiceIssue(provider: string, voice: string): string | null {
  const known = voicesFor(provider);
  if (known.closed && !known.voices.some((v) => v.id === voice)) return `"${voice}" is not a ${provider} voice; one of ${known.voices.map((v) => v.id).join(", ")}`;
  if (known.idPattern && !known.idPattern.test(voice)) return `"${voice}" is not ${known.idShape ?? `a ${provider} voice id`}`;
  return null;
}
