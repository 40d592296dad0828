// Maps an agent's provider choices to provider instances. Cloud providers are the LiveKit plugins
// (and our Cartesia client), with credentials from the runtime's settings; the offline providers
// of the embedded default are pocketsphinx, flite and the scripted demo LLM. Tests and benchmarks
// register extra providers by name. Silero VAD models are loaded once per setting and shared.
import type { llm, stt, tts, VAD } from "@livekit/agents";
import * as deepgram from "@livekit/agents-plugin-deepgram";
import * as elevenlabs from "@livekit/agents-plugin-elevenlabs";
import * as openai from "@livekit/agents-plugin-openai";
import * as silero from "@livekit/agents-plugin-silero";
import type { Locale, ProviderChoice as ProviderChoiceSchema, VadSettings } from "@speaknode/contracts";
import type { z } from "zod";
import type { ProviderCredentials } from "../config.ts";
import { CartesiaTTS } from "./cartesia-tts.ts";
import { FliteTTS } from "./offline/flite-tts.ts";
import { PocketsphinxSTT } from "./offline/pocketsphinx-stt.ts";
import { ScriptedLLM } from "./offline/scripted-llm.ts";

export class ProviderUnavailableError extends Error {
  override name = "ProviderUnavailableError";
  readonly stage: "llm" | "stt" | "tts" | "vad";
  constructor(stage: "llm" | "stt" | "tts" | "vad", message: string) {
    super(message);
    this.stage = stage;
  }
}

export interface LlmContext {
  temperature: number;
  agentName: string;
  firstMessage: string;
}

export type LlmFactory = (choice: ProviderChoice, context: LlmContext) => llm.LLM;
export type SttFactory = (choice: ProviderChoice, language: string) => stt.STT;
export type TtsFactory = (locale: Locale) => tts.TTS;

export interface ProviderOverrides {
  llm?: Record<string, LlmFactory>;
  stt?: Record<string, SttFactory>;
  tts?: Record<string, TtsFactory>;
}

type Vad = z.infer<typeof VadSettings>;
type ProviderChoice = z.infer<typeof ProviderChoiceSchema>;

const str = (params: Record<string, unknown>, key: string): string | undefined => {
  const v = params[key];
  return typeof v === "string" && v.length > 0 ? v : undefined;
};
const num = (params: Record<string, unknown>, key: string): number | undefined => {
  const v = params[key];
  return typeof v === "number" ? v : undefined;
};

function need(stage: "llm" | "stt" | "tts", provider: string, key: string | undefined, variable: string): string {
  if (!key) throw new ProviderUnavailableError(stage, `the ${provider} ${stage.toUpperCase()} needs ${variable} in the voice runtime's environment`);
  return key;
}

export class ProviderRegistry {
  readonly #credentials: ProviderCredentials;
  readonly #overrides: ProviderOverrides;
  readonly #vads = new Map<string, Promise<VAD>>();

  constructor(credentials: ProviderCredentials, overrides: ProviderOverrides = {}) {
    this.#credentials = credentials;
    this.#overrides = overrides;
  }

  llm(choice: ProviderChoice, context: LlmContext): llm.LLM {
    const custom = this.#overrides.llm?.[choice.provider];
    if (custom) return custom(choice, context);
    const c = this.#credentials;
    const p = choice.params;
    switch (choice.provider) {
      case "scripted":
        return new ScriptedLLM({ firstMessage: context.firstMessage, agentName: context.agentName });
      case "openai-compatible": {
        const baseURL = str(p, "baseUrl") ?? c.llmBaseUrl ?? c.openaiBaseUrl;
        // Local servers (Ollama, vLLM) often take any key; OpenAI itself needs one.
        const apiKey = c.llmApiKey ?? c.openaiApiKey ?? (baseURL ? "unused" : need("llm", "openai-compatible", undefined, "LLM_API_KEY or OPENAI_API_KEY"));
        return new openai.LLM({ model: choice.model, apiKey, ...(baseURL ? { baseURL } : {}), temperature: context.temperature });
      }
      case "openrouter":
        return new openai.LLM({
          model: choice.model,
          apiKey: need("llm", "OpenRouter", c.openrouterApiKey, "OPENROUTER_API_KEY"),
          baseURL: str(p, "baseUrl") ?? "https://openrouter.ai/api/v1",
          temperature: context.temperature,
        });
      default:
        throw new ProviderUnavailableError("llm", `no LLM provider named ${choice.provider}`);
    }
  }

  stt(choice: ProviderChoice, language: string): stt.STT {
    const custom = this.#overrides.stt?.[choice.provider];
    if (custom) return custom(choice, language);
    const c = this.#credentials;
    switch (choice.provider) {
      case "pocketsphinx": {
        const recognizer = new PocketsphinxSTT({ model: choice.model, language });
        // Load the model while the agent greets, not when the caller first speaks.
        recognizer.warmUp().catch(() => {});
        return recognizer;
      }
      case "deepgram":
        return new deepgram.STT({ apiKey: need("stt", "Deepgram", c.deepgramApiKey, "DEEPGRAM_API_KEY"), model: choice.model, language });
      case "openai":
        // The REST transcription endpoint (works with OpenAI-compatible servers); the session's VAD segments the audio.
        return new openai.STT({
          apiKey: need("stt", "OpenAI", c.openaiApiKey, "OPENAI_API_KEY"),
          model: choice.model,
          useRealtime: false,
          language: language.split("-")[0] ?? language,
          ...(c.openaiBaseUrl ? { baseURL: c.openaiBaseUrl } : {}),
        });
      default:
        throw new ProviderUnavailableError("stt", `no STT provider named ${choice.provider}`);
    }
  }

  tts(locale: Locale): tts.TTS {
    const choice = locale.tts;
    const custom = this.#overrides.tts?.[choice.provider];
    if (custom) return custom(locale);
    const c = this.#credentials;
    const p = choice.params;
    const speed = locale.speed;
    switch (choice.provider) {
      case "flite":
        return new FliteTTS({ voice: choice.voice, speed });
      case "openai":
        return new openai.TTS({
          apiKey: need("tts", "OpenAI", c.openaiApiKey, "OPENAI_API_KEY"),
          model: choice.model,
          // The catalog admits any voice name; OpenAI answers an unknown one with a clear 400.
          voice: choice.voice as openai.TTSVoices,
          speed,
          ...(c.openaiBaseUrl ? { baseURL: c.openaiBaseUrl } : {}),
        });
      case "elevenlabs":
        return new elevenlabs.TTS({
          apiKey: need("tts", "ElevenLabs", c.elevenlabsApiKey, "ELEVENLABS_API_KEY"),
          voiceId: choice.voice,
          model: choice.model,
          language: locale.language.split("-")[0] ?? locale.language,
          voiceSettings: { stability: num(p, "stability") ?? 0.5, similarity_boost: num(p, "similarityBoost") ?? 0.75, speed },
        });
      case "cartesia":
        return new CartesiaTTS({ apiKey: need("tts", "Cartesia", c.cartesiaApiKey, "CARTESIA_API_KEY"), model: choice.model, voice: choice.voice, language: locale.language.split("-")[0] ?? locale.language, speed });
      default:
        throw new ProviderUnavailableError("tts", `no TTS provider named ${choice.provider}`);
    }
  }

  /** A view of this registry for one session, which closes what it made when the session ends. */
  forSession(): SessionProviders {
    return new SessionProviders(this);
  }

  /** Silero with the agent's settings; one model per distinct setting, shared by sessions. */
  vad(settings: Vad): Promise<VAD> {
    const key = JSON.stringify([settings.activationThreshold, settings.minSpeechMs, settings.minSilenceMs, settings.prefixPaddingMs]);
    let vad = this.#vads.get(key);
    if (!vad) {
      vad = silero.VAD.load({
        activationThreshold: settings.activationThreshold,
        minSpeechDuration: settings.minSpeechMs,
        minSilenceDuration: settings.minSilenceMs,
        prefixPaddingDuration: settings.prefixPaddingMs,
      });
      this.#vads.set(key, vad);
      vad.catch(() => this.#vads.delete(key));
    }
    return vad;
  }
}

/** The providers one session made (warm decoder processes, sockets): all closed at its end. */
export class SessionProviders {
  readonly #registry: ProviderRegistry;
  readonly #made: (() => Promise<void>)[] = [];

  constructor(registry: ProviderRegistry) {
    this.#registry = registry;
  }

  llm(choice: ProviderChoice, context: LlmContext): llm.LLM {
    const made = this.#registry.llm(choice, context);
    this.#made.push(() => made.aclose());
    return made;
  }

  stt(choice: ProviderChoice, language: string): stt.STT {
    const made = this.#registry.stt(choice, language);
    this.#made.push(() => made.close());
    return made;
  }

  tts(locale: Locale): tts.TTS {
    const made = this.#registry.tts(locale);
    this.#made.push(() => made.close());
    return made;
  }

  vad(settings: Vad): Promise<VAD> {
    return this.#registry.vad(settings);
  }

  async closeAll(): Promise<void> {
    const made = this.#made.splice(0);
    await Promise.allSettled(made.map((close) => close()));
  }
}
