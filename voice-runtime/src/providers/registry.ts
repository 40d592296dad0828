// Maps an agent's provider choices to provider instances. Cloud providers are the LiveKit plugins
// (and our Cartesia client); the offline providers of the embedded default are pocketsphinx, flite
// and the scripted demo LLM. Tests and benchmarks register extra providers by name. Silero VAD
// models are loaded once per setting and shared.
//
// Which key goes where: a stage naming a space credential (`credentialId`) uses that credential's
// key with that credential's base URL only, vetted by the SSRF guard (guardedFetch, or vetted per
// session for clients that open their own sockets). A stage without one uses the platform's key
// from the environment with the platform's endpoint: the Admin's catalog endpoint for the model,
// else the environment's base URL, else the provider's public API. Nothing an agent writes in its
// params is ever an endpoint (the contracts refuse it; the code here reads only tuning).
import type { llm, stt, tts, VAD } from "@livekit/agents";
import * as deepgram from "@livekit/agents-plugin-deepgram";
import * as elevenlabs from "@livekit/agents-plugin-elevenlabs";
import * as openai from "@livekit/agents-plugin-openai";
import * as silero from "@livekit/agents-plugin-silero";
import type { Locale, ProviderChoice, RuntimeConfig, RuntimePlatformEndpoint, RuntimeProviderCredential, VadSettings } from "@speaknode/contracts";
import { credentialProviderDefaults } from "@speaknode/contracts";
import { OpenAI } from "openai";
import type { z } from "zod";
import type { ProviderCredentials } from "../config.ts";
import type { HttpGuardOptions } from "../tools/http-guard.ts";
import { CartesiaOptionsError, CartesiaTTS } from "./cartesia-tts.ts";
import { providerName, stageName, stageProvider, unknownProvider } from "./describe.ts";
import { guardedFetch, vetEndpoint } from "./endpoint-guard.ts";
import { FliteOptionsError, FliteTTS, listFliteVoices } from "./offline/flite-tts.ts";
import { PocketsphinxSTT, PocketsphinxUnsupportedError } from "./offline/pocketsphinx-stt.ts";
import { PocketsphinxBatchSTT } from "./offline/pocketsphinx-batch.ts";
import { ScriptedLLM } from "./offline/scripted-llm.ts";
import { SpeechToolMissingError } from "./offline/speech-tools.ts";

type Stage = "llm" | "stt" | "tts";

export class ProviderUnavailableError extends Error {
  override name = "ProviderUnavailableError";
  readonly stage: Stage | "vad";
  constructor(stage: Stage | "vad", message: string) {
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
export type SttFactory = (choice: ProviderChoice, language: string, opts?: SttOptions) => stt.STT;

/** How the session wants its STT built. */
export interface SttOptions {
  /**
   * The VAD that cuts the caller's audio into utterances (the session's Silero with the turn's
   * silence). An offline STT that can stream with it (pocketsphinx) does, so that its final is
   * ready when the VAD hears the end of speech; without it, the session wraps a non-streaming
   * STT in the library's VAD StreamAdapter.
   */
  vad?: VAD;
  /** A phone call (8 kHz): the offline recogniser is pocketsphinx_batch on whole utterances (pocketsphinx-batch.ts). */
  phone?: boolean;
}
export type TtsFactory = (locale: Locale) => tts.TTS;

export interface ProviderOverrides {
  llm?: Record<string, LlmFactory>;
  stt?: Record<string, SttFactory>;
  tts?: Record<string, TtsFactory>;
}

type Vad = z.infer<typeof VadSettings>;

/** A configuration's provider access whose space credentials were vetted: made only by `vet`. */
export class VettedAccess {
  readonly credentials: ReadonlyMap<string, RuntimeProviderCredential>;
  readonly platformEndpoints: readonly RuntimePlatformEndpoint[];
  private constructor(credentials: ReadonlyMap<string, RuntimeProviderCredential>, platformEndpoints: readonly RuntimePlatformEndpoint[]) {
    this.credentials = credentials;
    this.platformEndpoints = platformEndpoints;
  }
  static of(credentials: RuntimeProviderCredential[], platformEndpoints: RuntimePlatformEndpoint[], token: typeof vetToken): VettedAccess {
    if (token !== vetToken) throw new Error("VettedAccess is made by ProviderRegistry.vet");
    return new VettedAccess(new Map(credentials.map((c) => [c.id, c])), platformEndpoints);
  }
}
const vetToken = Symbol("vetted");

/** Where one stage's requests go and with which key. `fetch` is set for a space key. */
interface Endpoint {
  apiKey: string | undefined;
  baseUrl: string;
  /** True when the base URL came from the platform's configuration (Admin catalog or environment). */
  configured: boolean;
  fetch: typeof fetch | undefined;
}

const str = (params: Record<string, unknown>, key: string): string | undefined => {
  const v = params[key];
  return typeof v === "string" && v.length > 0 ? v : undefined;
};
const num = (params: Record<string, unknown>, key: string): number | undefined => {
  const v = params[key];
  return typeof v === "number" ? v : undefined;
};
const bool = (params: Record<string, unknown>, key: string): boolean | undefined => {
  const v = params[key];
  return typeof v === "boolean" ? v : undefined;
};
const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function need(stage: Stage, provider: string, key: string | undefined, variable: string): string {
  if (!key) throw new ProviderUnavailableError(stage, `${stageProvider(stage, provider)} needs ${variable} in the voice runtime's environment, or a space provider key.`);
  return key;
}

function spaceKeyMissing(stage: Stage, provider: string): string {
  return `The space's ${providerName(provider)} key chosen for the ${stageName(stage)} is not available (deleted, or for another provider); choose another key in the agent's settings.`;
}

/**
 * Builds a provider, turning what its constructor refuses (an engine not installed, a voice or
 * language it does not have, options it cannot take) into a ProviderUnavailableError whose message
 * says, in a sentence, which stage cannot start and how to fix it.
 */
function make<T>(stage: Stage, provider: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof ProviderUnavailableError) throw err;
    const what = stageProvider(stage, provider);
    if (err instanceof SpeechToolMissingError) throw new ProviderUnavailableError(stage, `${what} is not installed on the voice runtime: ${err.message}.`);
    if (err instanceof FliteOptionsError && /unknown flite voice/.test(err.message)) {
      throw new ProviderUnavailableError(stage, `${what} has no such voice; choose one of ${listFliteVoices().join(", ")} in the agent's language settings.`);
    }
    if (err instanceof PocketsphinxUnsupportedError) throw new ProviderUnavailableError(stage, `${what} cannot be used here: ${err.message}. Choose another ${stageName(stage)} model or provider for this language.`);
    if (err instanceof FliteOptionsError || err instanceof CartesiaOptionsError) throw new ProviderUnavailableError(stage, `${what} refused the agent's settings: ${err.message}.`);
    throw err;
  }
}

/** The stages of a configuration that name a space credential. */
function credentialStages(config: Pick<RuntimeConfig, "agent" | "locales">): { stage: Stage; choice: { provider: string; credentialId?: string | null | undefined } }[] {
  return [
    { stage: "llm" as const, choice: config.agent.llm },
    { stage: "stt" as const, choice: config.agent.stt },
    ...config.locales.map((l) => ({ stage: "tts" as const, choice: l.tts })),
  ].filter((s) => typeof s.choice.credentialId === "string");
}

export class ProviderRegistry {
  readonly #credentials: ProviderCredentials;
  readonly #overrides: ProviderOverrides;
  readonly #guard: HttpGuardOptions;
  readonly #vads = new Map<string, Promise<VAD>>();

  constructor(credentials: ProviderCredentials, overrides: ProviderOverrides = {}, guard: HttpGuardOptions = { allowPrivateHosts: [] }) {
    this.#credentials = credentials;
    this.#overrides = overrides;
    this.#guard = guard;
  }

  /** Vets the base URL of every space credential the configuration's stages use (DNS included). */
  async vet(config: Pick<RuntimeConfig, "agent" | "locales" | "providerAccess">): Promise<VettedAccess> {
    const { credentials, platformEndpoints } = config.providerAccess;
    for (const { stage, choice } of credentialStages(config)) {
      const credential = credentials.find((c) => c.id === choice.credentialId);
      if (!credential || credential.provider !== choice.provider) throw new ProviderUnavailableError(stage, spaceKeyMissing(stage, choice.provider));
      await this.#vetCredential(stage, choice.provider, credential.baseUrl);
    }
    return VettedAccess.of(credentials, platformEndpoints, vetToken);
  }

  /**
   * An LLM outside any session (a post-call analysis): its space key, if it names one, vetted and
   * guarded exactly as a session's (`vet`); otherwise the platform's key and endpoint.
   */
  async standaloneLlm(choice: ProviderChoice, context: LlmContext, providerAccess: RuntimeConfig["providerAccess"]): Promise<llm.LLM> {
    const { credentials, platformEndpoints } = providerAccess;
    if (typeof choice.credentialId === "string") {
      const credential = credentials.find((c) => c.id === choice.credentialId);
      if (!credential || credential.provider !== choice.provider) throw new ProviderUnavailableError("llm", spaceKeyMissing("llm", choice.provider));
      await this.#vetCredential("llm", choice.provider, credential.baseUrl);
    }
    return this.llm(choice, context, VettedAccess.of(credentials, platformEndpoints, vetToken));
  }

  async #vetCredential(stage: Stage, provider: string, baseUrl: string): Promise<void> {
    try {
      await vetEndpoint(baseUrl, this.#guard);
    } catch (e) {
      throw new ProviderUnavailableError(stage, `The space's ${providerName(provider)} key for the ${stageName(stage)} was not sent: ${e instanceof Error ? e.message : String(e)}.`);
    }
  }

  /**
   * A TTS outside any session (the voice preview). With `credential` (a space's key), that key goes
   * to its own base URL only, vetted and guarded exactly like a session's space key; without one,
   * the platform's key goes to the platform's endpoint from the environment, never to a URL the
   * caller named.
   */
  async standaloneTts(locale: Locale, credential: { apiKey: string; baseUrl: string } | null): Promise<tts.TTS> {
    if (credential === null) return this.tts({ ...locale, tts: { ...locale.tts, credentialId: null } });
    const id = "pcr_standalonepreview000000000";
    await this.#vetCredential("tts", locale.tts.provider, credential.baseUrl);
    const access = VettedAccess.of([{ id, provider: locale.tts.provider, apiKey: credential.apiKey, baseUrl: credential.baseUrl }], [], vetToken);
    return this.tts({ ...locale, tts: { ...locale.tts, credentialId: id } }, access);
  }

  #endpoint(stage: Stage, choice: { provider: string; model: string; credentialId?: string | null | undefined }, access: VettedAccess | undefined, platform: { apiKey: string | undefined; baseUrl: string | undefined }): Endpoint {
    if (typeof choice.credentialId === "string") {
      const credential = access?.credentials.get(choice.credentialId);
      if (!credential || credential.provider !== choice.provider) throw new ProviderUnavailableError(stage, spaceKeyMissing(stage, choice.provider));
      return { apiKey: credential.apiKey, baseUrl: credential.baseUrl, configured: true, fetch: guardedFetch(credential.baseUrl, this.#guard) };
    }
    const admin = access?.platformEndpoints.find((e) => e.kind === stage && e.provider === choice.provider && e.model === choice.model)?.baseUrl;
    const configured = admin ?? platform.baseUrl;
    const fallback = (credentialProviderDefaults as Record<string, string>)[choice.provider] ?? "";
    return { apiKey: platform.apiKey, baseUrl: configured ?? fallback, configured: configured !== undefined, fetch: undefined };
  }

  /** An OpenAI SDK client for the endpoint: a space key's goes through the guarded fetch. */
  #openaiClient(e: Endpoint, apiKey: string): OpenAI {
    return new OpenAI({ apiKey, baseURL: e.baseUrl, maxRetries: 0, ...(e.fetch ? { fetch: e.fetch } : {}) });
  }

  llm(choice: ProviderChoice, context: LlmContext, access?: VettedAccess): llm.LLM {
    const custom = this.#overrides.llm?.[choice.provider];
    if (custom) return custom(choice, context);
    const c = this.#credentials;
    const p = choice.params;
    const tuning = { temperature: context.temperature, ...defined({ topP: num(p, "topP"), maxCompletionTokens: num(p, "maxTokens") }) };
    switch (choice.provider) {
      case "scripted":
        return new ScriptedLLM({ firstMessage: context.firstMessage, agentName: context.agentName });
      case "openai-compatible": {
        const e = this.#endpoint("llm", choice, access, { apiKey: c.llmApiKey ?? c.openaiApiKey, baseUrl: c.llmBaseUrl ?? c.openaiBaseUrl });
        // Local servers (Ollama, vLLM) the platform configured often take any key; OpenAI itself needs one.
        const apiKey = e.apiKey ?? (e.configured ? "unused" : need("llm", "openai-compatible", undefined, "LLM_API_KEY or OPENAI_API_KEY"));
        return new openai.LLM({ model: choice.model, client: this.#openaiClient(e, apiKey), ...tuning });
      }
      case "openrouter": {
        const e = this.#endpoint("llm", choice, access, { apiKey: c.openrouterApiKey, baseUrl: undefined });
        return new openai.LLM({ model: choice.model, client: this.#openaiClient(e, need("llm", "openrouter", e.apiKey, "OPENROUTER_API_KEY")), ...tuning });
      }
      default:
        throw new ProviderUnavailableError("llm", unknownProvider("llm", choice.provider));
    }
  }

  stt(choice: ProviderChoice, language: string, access?: VettedAccess, opts: SttOptions = {}): stt.STT {
    const custom = this.#overrides.stt?.[choice.provider];
    if (custom) return custom(choice, language, opts);
    const c = this.#credentials;
    const p = choice.params;
    switch (choice.provider) {
      case "pocketsphinx": {
        const recognizer = make("stt", "pocketsphinx", () => opts.phone ? new PocketsphinxBatchSTT({ model: choice.model, language }) : new PocketsphinxSTT({ model: choice.model, language, ...defined({ vad: opts.vad }) }));
        // Load the model while the agent greets, not when the caller first speaks.
        recognizer.warmUp().catch(() => {});
        return recognizer;
      }
      case "deepgram": {
        const e = this.#endpoint("stt", choice, access, { apiKey: c.deepgramApiKey, baseUrl: undefined });
        return new deepgram.STT({
          apiKey: need("stt", "deepgram", e.apiKey, "DEEPGRAM_API_KEY"),
          model: choice.model,
          language,
          // The plugin streams over a WebSocket on this URL (and posts to its http form).
          baseUrl: e.baseUrl.replace(/^http/, "ws"),
          ...defined({ smartFormat: bool(p, "smartFormat"), punctuate: bool(p, "punctuate"), endpointing: num(p, "endpointingMs"), fillerWords: bool(p, "fillerWords"), profanityFilter: bool(p, "profanityFilter") }),
        });
      }
      case "openai": {
        // The REST transcription endpoint (works with OpenAI-compatible servers); the session's VAD segments the audio.
        const e = this.#endpoint("stt", choice, access, { apiKey: c.openaiApiKey, baseUrl: c.openaiBaseUrl });
        const apiKey = need("stt", "openai", e.apiKey, "OPENAI_API_KEY");
        return new openai.STT({
          // The plugin insists on a key even with a client; requests go through the client only.
          apiKey,
          client: this.#openaiClient(e, apiKey),
          model: choice.model,
          useRealtime: false,
          language: language.split("-")[0] ?? language,
          ...defined({ prompt: str(p, "prompt") }),
        });
      }
      default:
        throw new ProviderUnavailableError("stt", unknownProvider("stt", choice.provider));
    }
  }

  tts(locale: Locale, access?: VettedAccess): tts.TTS {
    const choice = locale.tts;
    const custom = this.#overrides.tts?.[choice.provider];
    if (custom) return custom(locale);
    const c = this.#credentials;
    const p = choice.params;
    const speed = locale.speed;
    switch (choice.provider) {
      case "flite":
        return make("tts", "flite", () => new FliteTTS({ voice: choice.voice, speed }));
      case "openai": {
        const e = this.#endpoint("tts", choice, access, { apiKey: c.openaiApiKey, baseUrl: c.openaiBaseUrl });
        const apiKey = need("tts", "openai", e.apiKey, "OPENAI_API_KEY");
        return new openai.TTS({
          apiKey,
          client: this.#openaiClient(e, apiKey),
          model: choice.model,
          // The catalog admits any voice name; OpenAI answers an unknown one with a clear 400.
          voice: choice.voice as openai.TTSVoices,
          speed,
          ...defined({ instructions: str(p, "instructions") }),
        });
      }
      case "elevenlabs": {
        const e = this.#endpoint("tts", choice, access, { apiKey: c.elevenlabsApiKey, baseUrl: undefined });
        return new elevenlabs.TTS({
          apiKey: need("tts", "elevenlabs", e.apiKey, "ELEVENLABS_API_KEY"),
          baseURL: e.baseUrl,
          voiceId: choice.voice,
          model: choice.model,
          language: locale.language.split("-")[0] ?? locale.language,
          voiceSettings: { stability: num(p, "stability") ?? 0.5, similarity_boost: num(p, "similarityBoost") ?? 0.75, speed, ...defined({ style: num(p, "style"), use_speaker_boost: bool(p, "useSpeakerBoost") }) },
        });
      }
      case "cartesia": {
        const e = this.#endpoint("tts", choice, access, { apiKey: c.cartesiaApiKey, baseUrl: undefined });
        const apiKey = need("tts", "cartesia", e.apiKey, "CARTESIA_API_KEY");
        return make("tts", "cartesia", () => new CartesiaTTS({
          apiKey,
          baseUrl: e.baseUrl,
          ...(e.fetch ? { fetch: e.fetch } : {}),
          model: choice.model,
          voice: choice.voice,
          language: locale.language.split("-")[0] ?? locale.language,
          speed,
        }));
      }
      default:
        throw new ProviderUnavailableError("tts", unknownProvider("tts", choice.provider));
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
      }).then((loaded) => {
        // Every session sharing this model adds a metrics listener (removed at its end): a busy
        // runtime passes EventEmitter's 10 and would print MaxListenersExceededWarning.
        loaded.setMaxListeners(0);
        return loaded;
      });
      this.#vads.set(key, vad);
      vad.catch(() => this.#vads.delete(key));
    }
    return vad;
  }
}

/** The providers one session made (warm decoder processes, sockets): all closed at its end. Holds
 *  the vetted provider access of the configuration that runs (replaced on a hand-off). */
export class SessionProviders {
  readonly #registry: ProviderRegistry;
  readonly #made: (() => Promise<void>)[] = [];
  #access: VettedAccess | undefined;

  constructor(registry: ProviderRegistry) {
    this.#registry = registry;
  }

  /** Vets the configuration's space credentials; the providers made afterwards use them. */
  async use(config: Pick<RuntimeConfig, "agent" | "locales" | "providerAccess">): Promise<void> {
    this.#access = await this.#registry.vet(config);
  }

  llm(choice: ProviderChoice, context: LlmContext): llm.LLM {
    const made = this.#registry.llm(choice, context, this.#access);
    this.#made.push(() => made.aclose());
    return made;
  }

  stt(choice: ProviderChoice, language: string, opts?: SttOptions): stt.STT {
    const made = this.#registry.stt(choice, language, this.#access, opts);
    this.#made.push(() => made.close());
    return made;
  }

  tts(locale: Locale): tts.TTS {
    const made = this.#registry.tts(locale, this.#access);
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
