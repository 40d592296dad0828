// Cartesia text-to-speech over its REST endpoint `POST /tts/bytes`, written against Cartesia's
// API docs because the published LiveKit Cartesia plugin pins an older @livekit/agents. The
// response is raw PCM16 that is cut into 20 ms frames as bytes arrive. Non-streaming from the
// session's view: AgentSession wraps it in a sentence tokenizer StreamAdapter.
import {
  type APIConnectOptions,
  APIConnectionError,
  APIError,
  APIStatusError,
  APITimeoutError,
  DEFAULT_API_CONNECT_OPTIONS,
  getBaseLanguage,
  normalizeLanguage,
  shortuuid,
  tts,
} from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";

export const CARTESIA_SAMPLE_RATES_HZ = [8000, 16000, 22050, 24000, 44100, 48000] as const;
/** The API version whose request shape this client sends by default. */
export const CARTESIA_DEFAULT_API_VERSION = "2024-06-10";
/** From this version on, speed lives in `generation_config` (sonic-3) instead of experimental voice controls. */
const GENERATION_CONFIG_SINCE = "2025-04-16";

export interface CartesiaTTSOptions {
  apiKey: string;
  /** Voice id (a UUID from Cartesia's voice library). */
  voice: string;
  /** Default "sonic-2". */
  model?: string;
  /** BCP 47 tag; Cartesia takes the base language ("en-US" is sent as "en"). Default "en". */
  language?: string;
  /** One of {@link CARTESIA_SAMPLE_RATES_HZ}; default 24000. */
  sampleRate?: number;
  /** Speaking-rate multiplier, 0.5-2 (1 = the voice's own pace; the agent locale's `speed`). */
  speed?: number;
  /** Default https://api.cartesia.ai. */
  baseUrl?: string;
  /** The `Cartesia-Version` header; default 2024-06-10. Decides where speed goes (see requestBody). */
  apiVersion?: string;
  /** The fetch requests go through; a space key's guarded fetch (providers/endpoint-guard.ts), else the global one. */
  fetch?: typeof fetch;
}

/** Options Cartesia would refuse, caught at construction. */
export class CartesiaOptionsError extends Error {
  override readonly name = "CartesiaOptionsError";
  readonly retryable = false;
}

/** The JSON body of `POST /tts/bytes`, exactly as Cartesia documents it. */
export interface CartesiaRequestBody {
  model_id: string;
  transcript: string;
  voice: { mode: "id"; id: string; __experimental_controls?: { speed: number } };
  output_format: { container: "raw"; encoding: "pcm_s16le"; sample_rate: number };
  language: string;
  generation_config?: { speed: number };
}

type Resolved = Required<Omit<CartesiaTTSOptions, "fetch">> & Pick<CartesiaTTSOptions, "fetch">;

/**
 * Builds the request body. Speed, a multiplier here, is sent the way the targeted API version
 * documents it: up to 2024-11-13 as `voice.__experimental_controls.speed`, a number in [-1, 1]
 * with 0 the normal pace (sent as log2 of the multiplier, so 0.5x -> -1 and 2x -> 1); from
 * 2025-04-16 as `generation_config.speed`, a multiplier Cartesia accepts in [0.6, 1.5] (clamped).
 * A speed of 1 sends neither.
 */
export function requestBody(options: Resolved, transcript: string): CartesiaRequestBody {
  const body: CartesiaRequestBody = {
    model_id: options.model,
    transcript,
    voice: { mode: "id", id: options.voice },
    output_format: { container: "raw", encoding: "pcm_s16le", sample_rate: options.sampleRate },
    language: getBaseLanguage(normalizeLanguage(options.language)),
  };
  if (options.speed !== 1) {
    if (options.apiVersion >= GENERATION_CONFIG_SINCE) {
      body.generation_config = { speed: Math.min(1.5, Math.max(0.6, options.speed)) };
    } else {
      body.voice.__experimental_controls = { speed: Math.round(Math.log2(options.speed) * 1000) / 1000 };
    }
  }
  return body;
}

export class CartesiaTTS extends tts.TTS {
  label = "speaknode.CartesiaTTS";
  readonly #options: Resolved;

  constructor(options: CartesiaTTSOptions) {
    const sampleRate = options.sampleRate ?? 24_000;
    super(sampleRate, 1, { streaming: false });
    if (!options.apiKey) throw new CartesiaOptionsError("Cartesia needs an API key");
    if (!options.voice) throw new CartesiaOptionsError("Cartesia needs a voice id");
    if (!(CARTESIA_SAMPLE_RATES_HZ as readonly number[]).includes(sampleRate)) {
      throw new CartesiaOptionsError(`Cartesia sample rate must be one of ${CARTESIA_SAMPLE_RATES_HZ.join(", ")}, got ${sampleRate}`);
    }
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed < 0.5 || speed > 2) throw new CartesiaOptionsError(`speed must be between 0.5 and 2, got ${speed}`);
    this.#options = {
      apiKey: options.apiKey,
      voice: options.voice,
      model: options.model ?? "sonic-2",
      language: options.language ?? "en",
      sampleRate,
      speed,
      baseUrl: (options.baseUrl ?? "https://api.cartesia.ai").replace(/\/+$/, ""),
      apiVersion: options.apiVersion ?? CARTESIA_DEFAULT_API_VERSION,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
  }

  override get model(): string {
    return this.#options.model;
  }

  override get provider(): string {
    return "cartesia";
  }

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): CartesiaChunkedStream {
    return new CartesiaChunkedStream(this, text, { ...this.#options }, connOptions, abortSignal);
  }

  stream(): tts.SynthesizeStream {
    throw new APIError(`${this.label} has no streaming mode; wrap it in tts.StreamAdapter (AgentSession does this by itself)`, { retryable: false });
  }
}

/** Cuts a byte stream of PCM16 mono into fixed-size frames, carrying odd bytes across chunks. */
export class Pcm16Framer {
  readonly #sampleRate: number;
  readonly #frameBytes: number;
  #pending = new Uint8Array(0);

  constructor(sampleRate: number, frameMs = 20) {
    this.#sampleRate = sampleRate;
    this.#frameBytes = Math.max(1, Math.round((sampleRate * frameMs) / 1000)) * 2;
  }

  push(chunk: Uint8Array): AudioFrame[] {
    const bytes = new Uint8Array(this.#pending.length + chunk.length);
    bytes.set(this.#pending);
    bytes.set(chunk, this.#pending.length);
    const whole = bytes.length - (bytes.length % this.#frameBytes);
    this.#pending = bytes.slice(whole);
    const frames: AudioFrame[] = [];
    for (let at = 0; at < whole; at += this.#frameBytes) frames.push(this.#frame(bytes.subarray(at, at + this.#frameBytes)));
    return frames;
  }

  /** The remaining whole samples as a last, shorter frame; a dangling odd byte is dropped. */
  flush(): AudioFrame[] {
    const usable = this.#pending.length - (this.#pending.length % 2);
    const rest = this.#pending.subarray(0, usable);
    this.#pending = new Uint8Array(0);
    return usable === 0 ? [] : [this.#frame(rest)];
  }

  #frame(bytes: Uint8Array): AudioFrame {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const samples = new Int16Array(bytes.byteLength / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(2 * i, true);
    return new AudioFrame(samples, this.#sampleRate, 1, samples.length);
  }
}

/** Cartesia's error text from a JSON body (`error`, `message`, `detail` or `title`) or the raw text. */
function providerMessage(text: string): { message: string; body: object | null } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>;
      const field = ["message", "error", "detail", "title"].map((k) => record[k]).find((v) => typeof v === "string");
      return { message: typeof field === "string" ? field : text.slice(0, 300), body: parsed };
    }
  } catch {
    // not JSON
  }
  return { message: text.trim().slice(0, 300) || "no details", body: null };
}

export class CartesiaChunkedStream extends tts.ChunkedStream {
  label = "speaknode.CartesiaChunkedStream";
  readonly #options: Resolved;
  readonly #timeoutMs: number;

  constructor(cartesia: CartesiaTTS, text: string, options: Resolved, connOptions?: APIConnectOptions, abortSignal?: AbortSignal) {
    super(text, cartesia, connOptions, abortSignal);
    this.#options = options;
    this.#timeoutMs = (connOptions ?? DEFAULT_API_CONNECT_OPTIONS).timeoutMs;
  }

  protected async run(): Promise<void> {
    const requestId = shortuuid("cartesia_");
    const transcript = this.inputText.trim();
    if (transcript === "" || this.abortSignal.aborted) return;
    // One timer covers the wait for headers and every later gap between body chunks.
    const stall = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const armTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(), this.#timeoutMs);
    };
    const signal = AbortSignal.any([this.abortSignal, stall.signal]);
    let emitted = 0;
    let held: AudioFrame | undefined;
    const emit = (frame: AudioFrame, final: boolean) => {
      this.queue.put({ requestId, segmentId: requestId, frame, final });
      emitted++;
    };
    try {
      armTimer();
      const response = await (this.#options.fetch ?? fetch)(`${this.#options.baseUrl}/tts/bytes`, {
        method: "POST",
        headers: { "X-API-Key": this.#options.apiKey, "Cartesia-Version": this.#options.apiVersion, "Content-Type": "application/json" },
        body: JSON.stringify(requestBody(this.#options, transcript)),
        signal,
      });
      if (!response.ok) {
        const { message, body } = providerMessage(await response.text());
        throw new APIStatusError({
          message: `Cartesia TTS failed with HTTP ${response.status}: ${message}`,
          options: { statusCode: response.status, body, requestId: response.headers.get("x-request-id") },
        });
      }
      if (response.body === null) throw new APIConnectionError({ message: "Cartesia TTS answered without a body" });
      const framer = new Pcm16Framer(this.#options.sampleRate);
      for await (const chunk of response.body) {
        armTimer();
        // Hold one frame back so the last one can be marked final.
        for (const frame of framer.push(chunk)) {
          if (held) emit(held, false);
          held = frame;
        }
      }
      for (const frame of framer.flush()) {
        if (held) emit(held, false);
        held = frame;
      }
      if (held) emit(held, true);
    } catch (error) {
      if (this.abortSignal.aborted) return;
      const failure =
        error instanceof APIError
          ? error
          : stall.signal.aborted
            ? new APITimeoutError({ message: `Cartesia TTS sent nothing for ${this.#timeoutMs} ms` })
            : new APIConnectionError({ message: `Cartesia TTS connection failed: ${error instanceof Error ? error.message : String(error)}` });
      // A retry would repeat audio the listener already heard.
      if (emitted > 0 && failure.retryable) {
        throw new APIConnectionError({ message: `${failure.message} (after ${emitted} frames)`, options: { retryable: false } });
      }
      throw failure;
    } finally {
      clearTimeout(timer);
      if (!this.queue.closed) this.queue.close();
    }
  }
}
