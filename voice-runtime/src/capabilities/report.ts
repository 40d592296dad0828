// What this voice runtime can run, for the dashboard's provider readiness and voice library: every
// provider of the catalog with whether the platform's key is in the environment (the same
// variables the provider registry reads), whether its engine is installed here (offline ones), the
// languages the installed offline models handle, and the voices of the ElevenLabs and Cartesia
// accounts behind the platform's keys. Sent with PUT /runtime/v1/capabilities at start and every
// five minutes; a listing that fails is logged and left out, never failing the report.
import { existsSync } from "node:fs";
import { POCKETSPHINX_PYTHON_MODULE, SYSTEM_PYTHON } from "../providers/offline/pocketsphinx-stream.ts";
import { hostname } from "node:os";
import { providersByKind, RuntimeCapabilitiesBody, type RuntimeProviderCapability, type VoiceEntry } from "@speaknode/contracts";
import type { RuntimeApi } from "../api/client.ts";
import type { ProviderCredentials } from "../config.ts";
import { errorFields, log } from "../log.ts";
import { POCKETSPHINX_MODELS } from "../providers/offline/pocketsphinx-stt.ts";
import { findExecutable, requireFiles, SpeechToolMissingError } from "../providers/offline/speech-tools.ts";
import { listCartesiaVoices, listElevenLabsVoices, VoiceListError, type VoiceListOptions } from "./voice-lists.ts";

export const capabilitiesIntervalMs = 5 * 60_000;

type Kind = "llm" | "stt" | "tts";
export interface EngineState {
  available: boolean;
  reason: string | null;
  languages: string[] | null;
}

/** Which offline engines are installed, found the way their providers look for them. */
export function probeOfflineEngines(options: { pathList?: string; pocketsphinxModels?: Record<string, string>; pocketsphinxDecoder?: readonly string[] } = {}): Record<"flite" | "pocketsphinx" | "scripted", EngineState> {
  const missing = (tool: string, apt: string) => `${tool} is not installed on the voice runtime; install it with: apt-get install ${apt}`;
  const flite = findExecutable("flite", options.pathList) !== null;
  // The streaming decoder: Debian's Python and its pocketsphinx binding (python3-pocketsphinx).
  const binaries = (options.pocketsphinxDecoder ?? [SYSTEM_PYTHON, POCKETSPHINX_PYTHON_MODULE]).every((file) => existsSync(file));
  const models = Object.entries(options.pocketsphinxModels ?? POCKETSPHINX_MODELS).filter(([, dir]) => {
    try {
      requireFiles([`${dir}/en-us/mdef`, `${dir}/en-us.lm.bin`, `${dir}/cmudict-en-us.dict`], ["pocketsphinx-en-us"]);
      return true;
    } catch (err) {
      if (err instanceof SpeechToolMissingError) return false;
      throw err;
    }
  });
  // Model names are lower-case locales ("en-us"); the report speaks BCP 47 ("en-US").
  const languages = models.map(([name]) => name.replace(/-([a-z]{2})$/, (_, region: string) => `-${region.toUpperCase()}`));
  return {
    flite: flite ? { available: true, reason: null, languages: ["en"] } : { available: false, reason: missing("flite", "flite"), languages: null },
    pocketsphinx: !binaries
      ? { available: false, reason: missing("pocketsphinx", "python3-pocketsphinx pocketsphinx-en-us"), languages: null }
      : languages.length === 0
        ? { available: false, reason: "pocketsphinx has no acoustic model installed; install one with: apt-get install pocketsphinx-en-us", languages: null }
        : { available: true, reason: null, languages },
    // The scripted demo LLM is code, not an engine: always there.
    scripted: { available: true, reason: null, languages: null },
  };
}

/** Whether the environment holds the key the registry would use for (kind, provider) without a space key. */
export function hasPlatformKey(kind: Kind, provider: string, c: ProviderCredentials): boolean {
  switch (`${kind}:${provider}`) {
    case "llm:openai-compatible":
      // A configured base URL (Ollama, vLLM) works without a key, as the registry allows.
      return Boolean(c.llmApiKey ?? c.openaiApiKey ?? c.llmBaseUrl ?? c.openaiBaseUrl);
    case "llm:openrouter":
      return Boolean(c.openrouterApiKey);
    case "stt:deepgram":
      return Boolean(c.deepgramApiKey);
    case "stt:openai":
    case "tts:openai":
      return Boolean(c.openaiApiKey);
    case "tts:elevenlabs":
      return Boolean(c.elevenlabsApiKey);
    case "tts:cartesia":
      return Boolean(c.cartesiaApiKey);
    default:
      return false;
  }
}

export interface CapabilitiesInput {
  runtimeId: string;
  credentials: ProviderCredentials;
  engines?: Record<string, EngineState>;
  /** Where the voice listings go (tests point them at a local server). */
  voiceLists?: { elevenlabsBaseUrl?: string; cartesiaBaseUrl?: string; fetch?: typeof fetch; timeoutMs?: number };
}

export async function buildCapabilities(input: CapabilitiesInput): Promise<RuntimeCapabilitiesBody> {
  const engines: Record<string, EngineState> = input.engines ?? probeOfflineEngines();
  const providers: RuntimeProviderCapability[] = [];
  for (const kind of ["llm", "stt", "tts"] as const) {
    for (const provider of providersByKind[kind]) {
      const engine = engines[provider];
      providers.push({
        kind,
        provider,
        platformKey: hasPlatformKey(kind, provider, input.credentials),
        available: engine ? engine.available : true,
        reason: engine?.reason ?? null,
        languages: engine?.languages ?? null,
      });
    }
  }
  const voices: Record<string, VoiceEntry[]> = {};
  const lists = input.voiceLists ?? {};
  const common = { ...(lists.fetch ? { fetch: lists.fetch } : {}), ...(lists.timeoutMs ? { timeoutMs: lists.timeoutMs } : {}) };
  const listings: [string, string | undefined, (o: VoiceListOptions) => Promise<VoiceEntry[]>, string | undefined][] = [
    ["elevenlabs", input.credentials.elevenlabsApiKey, listElevenLabsVoices, lists.elevenlabsBaseUrl],
    ["cartesia", input.credentials.cartesiaApiKey, listCartesiaVoices, lists.cartesiaBaseUrl],
  ];
  await Promise.all(
    listings.map(async ([provider, apiKey, list, baseUrl]) => {
      if (!apiKey) return;
      try {
        voices[provider] = await list({ apiKey, ...common, ...(baseUrl ? { baseUrl } : {}) });
      } catch (err) {
        // The key stays out of the log: the status and the error's class say enough.
        log.warn("provider voices not listed", { provider, status: err instanceof VoiceListError ? err.status : undefined, ...errorFields(err) });
      }
    }),
  );
  return RuntimeCapabilitiesBody.parse({ runtimeId: input.runtimeId, providers, voices });
}

/** A runtime id stable for this host: the configured id and the host name. */
export function reportingRuntimeId(runtimeId: string): string {
  return `${runtimeId}@${hostname()}`.slice(0, 100);
}

export interface CapabilitiesReporter {
  /** Builds and sends a report now (the timer's runs call this too); never rejects. */
  reportNow(): Promise<void>;
  stop(): void;
}

/**
 * Reports now and every `intervalMs` (default five minutes) until stopped; a report that failed
 * (the API not up yet when a stack starts) is tried again after `retryMs` rather than five minutes
 * later. The timers never keep the process alive.
 */
export function startCapabilitiesReporter(options: { api: Pick<RuntimeApi, "putCapabilities">; build: () => Promise<RuntimeCapabilitiesBody>; intervalMs?: number; retryMs?: number }): CapabilitiesReporter {
  let running: Promise<void> | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const reportNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= (async () => {
      clearTimeout(retry);
      try {
        const body = await options.build();
        if (!stopped) await options.api.putCapabilities(body);
      } catch (err) {
        log.warn("capabilities not reported", errorFields(err));
        if (!stopped) {
          retry = setTimeout(() => void reportNow(), options.retryMs ?? 15_000);
          retry.unref();
        }
      }
    })().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void reportNow(), options.intervalMs ?? capabilitiesIntervalMs);
  timer.unref();
  void reportNow();
  return {
    reportNow,
    stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
    },
  };
}
