// Names of stages and providers for people: the sentences a failed session, a refused voice
// preview or a capability report carry end up in the dashboard as they are.
import { providersByKind } from "@speaknode/contracts";

export type ProviderStage = "llm" | "stt" | "tts";

const stageNames: Record<ProviderStage | "vad", string> = {
  llm: "language model",
  stt: "speech-to-text",
  tts: "text-to-speech",
  vad: "voice activity detection",
};

const providerNames: Record<string, string> = {
  openai: "OpenAI",
  "openai-compatible": "OpenAI-compatible",
  openrouter: "OpenRouter",
  deepgram: "Deepgram",
  elevenlabs: "ElevenLabs",
  cartesia: "Cartesia",
  flite: "flite",
  pocketsphinx: "pocketsphinx",
  scripted: "scripted demo",
  silero: "Silero",
};

export function stageName(stage: ProviderStage | "vad"): string {
  return stageNames[stage];
}

export function providerName(provider: string): string {
  return providerNames[provider] ?? provider;
}

/** "The OpenAI text-to-speech": how a sentence about one stage's provider starts. */
export function stageProvider(stage: ProviderStage | "vad", provider: string): string {
  return `The ${providerName(provider)} ${stageName(stage)}`;
}

/** The sentence for a provider this runtime does not know. */
export function unknownProvider(stage: ProviderStage, provider: string): string {
  return `The ${stageName(stage)} provider "${provider}" is not one this voice runtime knows; choose one of ${providersByKind[stage].join(", ")} in the agent's settings.`;
}
