// Voices to suggest per TTS provider: plain data shared by the dashboard's voice picker, the API and
// the runtime. Suggestions only: a provider's voice is free text (ElevenLabs and Cartesia voices are
// account-specific ids, so they have no list, just a hint where to find them).

export interface VoiceSuggestion {
  /** The provider's voice id, what `locale.tts.voice` holds. */
  id: string;
  /** A short note for people (gender, accent, quality). */
  note?: string;
  /** Output sample rate when it is below what the provider usually gives, e.g. 8000 for flite's kal. */
  sampleRateHz?: number;
}

export interface ProviderVoices {
  voices: VoiceSuggestion[];
  /** Where ids come from when the list is empty or partial. */
  hint: string;
}

export const voiceSuggestions: Record<string, ProviderVoices> = {
  flite: {
    voices: [
      { id: "rms", note: "US English, male" },
      { id: "slt", note: "US English, female" },
      { id: "awb", note: "Scottish English, male" },
      { id: "kal16", note: "US English, male" },
      { id: "kal", note: "US English, male, 8 kHz", sampleRateHz: 8000 },
    ],
    hint: "A voice built into flite.",
  },
  openai: {
    voices: ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"].map((id) => ({ id })),
    hint: "One of OpenAI's built-in voices.",
  },
  elevenlabs: { voices: [], hint: "An ElevenLabs voice id, from the voice library (Voices → ID)." },
  cartesia: { voices: [], hint: "A Cartesia voice id (a UUID), from the Cartesia playground's voice list." },
};

/** The suggestions for a provider; an unknown provider gets none and a generic hint. */
export function voicesFor(provider: string): ProviderVoices {
  return Object.hasOwn(voiceSuggestions, provider) ? (voiceSuggestions[provider] as ProviderVoices) : { voices: [], hint: "The voice id of the TTS provider." };
}
