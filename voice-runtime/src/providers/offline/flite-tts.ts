// Offline text-to-speech with the Debian `flite` binary: one process per sentence writes a WAV,
// which is cut into 20 ms frames at 16 kHz. Non-streaming; AgentSession wraps it in a sentence
// tokenizer StreamAdapter, and flite's ~30 ms per sentence keeps that path responsive.
import { type APIConnectOptions, shortuuid, tts } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseWav } from "../../audio/wav.ts";
import { StreamingUnsupportedError, downmixToMono, makeScratchDir, requireSpeechTool, resampleMono } from "./speech-tools.ts";

/** Every frame leaves at this rate; flite's 8 kHz voices (kal) are resampled up to it. */
export const FLITE_SAMPLE_RATE_HZ = 16_000;
const FRAME_SAMPLES = (FLITE_SAMPLE_RATE_HZ * 20) / 1000;
/** Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN); stay clear of it. */
const MAX_TEXT_BYTES = 100_000;

export interface FliteTTSOptions {
  /** A voice `flite -lv` lists (kal, kal16, awb, awb_time, rms, slt); default rms, the one pocketsphinx understands best. */
  voice?: string;
  /** Speaking-rate multiplier, 0.5-2 (1 = the voice's own pace). */
  speed?: number;
}

/** Below this (about -40 dBFS) a sample is silence. */
const SILENCE_LEVEL = 300;
/** What is kept before the first sound, so the onset is not clipped. */
const LEAD_IN_SAMPLES = (FLITE_SAMPLE_RATE_HZ * 20) / 1000;

/**
 * Drops flite's ~150 ms of silence before each utterance, keeping a 20 ms lead-in: every reply's
 * first audio would otherwise wait for it. The end is kept: it is the pause between sentences.
 */
export function trimLeadingSilence(samples: Int16Array): Int16Array {
  const first = samples.findIndex((v) => Math.abs(v) >= SILENCE_LEVEL);
  if (first < 0) return samples;
  return samples.subarray(Math.max(0, first - LEAD_IN_SAMPLES));
}

/** A voice or speed flite cannot use; refused at construction. */
export class FliteOptionsError extends Error {
  override readonly name = "FliteOptionsError";
  readonly retryable = false;
}

/** flite failed or wrote something that is not a PCM16 WAV. */
export class FliteSynthesisError extends Error {
  override readonly name = "FliteSynthesisError";
  readonly retryable = false;
}

let cachedVoices: readonly string[] | null = null;

/** Voices the installed flite offers (`flite -lv`), read once per process. */
export function listFliteVoices(): readonly string[] {
  if (cachedVoices === null) {
    const out = execFileSync(requireSpeechTool("flite"), ["-lv"], { encoding: "utf8", timeout: 5_000 });
    cachedVoices = out.replace(/^.*?:/s, "").trim().split(/\s+/).filter(Boolean);
  }
  return cachedVoices;
}

/** Text as flite may safely receive it as one argument. */
function prepareText(text: string): string {
  // NUL cannot cross argv; other control characters only confuse the tokenizer.
  const cleaned = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ").trim();
  // `-t` consumes the next argument whatever it is, but a leading space keeps a text like
  // "-voice" from ever reading as an option should flite's parsing change.
  return cleaned.startsWith("-") ? ` ${cleaned}` : cleaned;
}

export class FliteTTS extends tts.TTS {
  label = "speaknode.offline.FliteTTS";
  readonly #voice: string;
  readonly #speed: number;
  readonly #flite: string;
  readonly #running = new Set<ChildProcess>();
  #scratch: { path: string; remove(): void } | null = null;
  #closed = false;

  constructor(options: FliteTTSOptions = {}) {
    super(FLITE_SAMPLE_RATE_HZ, 1, { streaming: false });
    this.#flite = requireSpeechTool("flite");
    const voice = options.voice ?? "rms";
    const voices = listFliteVoices();
    if (!voices.includes(voice)) throw new FliteOptionsError(`unknown flite voice "${voice}"; installed: ${voices.join(", ")}`);
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed < 0.5 || speed > 2) throw new FliteOptionsError(`speed must be between 0.5 and 2, got ${speed}`);
    this.#voice = voice;
    this.#speed = speed;
  }

  override get model(): string {
    return this.#voice;
  }

  override get provider(): string {
    return "flite";
  }

  get voice(): string {
    return this.#voice;
  }

  get speed(): number {
    return this.#speed;
  }

  /** Process ids of the flite runs in progress (for diagnostics and tests). */
  runningProcessIds(): number[] {
    return [...this.#running].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): FliteChunkedStream {
    return new FliteChunkedStream(this, text, connOptions, abortSignal);
  }

  stream(): tts.SynthesizeStream {
    throw new StreamingUnsupportedError(this.label, "tts.StreamAdapter with a sentence tokenizer");
  }

  override async close(): Promise<void> {
    this.#closed = true;
    for (const child of this.#running) child.kill("SIGKILL");
    this.#running.clear();
    this.#scratch?.remove();
    this.#scratch = null;
  }

  /**
   * Runs flite on one text and returns mono 16 kHz samples, or null when aborted (the process is
   * killed). flite cannot write a WAV to Node's stdout (a socket it fails to open as a file), so
   * the WAV goes through a file in a private scratch directory.
   * @internal
   */
  async _render(text: string, signal: AbortSignal): Promise<Int16Array | null> {
    if (this.#closed) throw new FliteSynthesisError("FliteTTS is closed");
    const prepared = prepareText(text);
    if (prepared === "") return new Int16Array(0);
    if (signal.aborted) return null;
    if (Buffer.byteLength(prepared) > MAX_TEXT_BYTES) throw new FliteSynthesisError(`text is longer than ${MAX_TEXT_BYTES} bytes`);
    this.#scratch ??= makeScratchDir("flite");
    const file = join(this.#scratch.path, `${randomUUID()}.wav`);
    const args = ["-voice", this.#voice, "--setf", `duration_stretch=${(1 / this.#speed).toFixed(4)}`, "-t", prepared, "-o", file];
    const child = spawn(this.#flite, args, { stdio: "ignore" });
    this.#running.add(child);
    const kill = () => child.kill("SIGKILL");
    signal.addEventListener("abort", kill, { once: true });
    try {
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once("error", (err) => reject(new FliteSynthesisError(`could not run flite: ${err.message}`)));
        child.once("close", (code, exitSignal) => resolve({ code, signal: exitSignal }));
      });
      if (signal.aborted) return null;
      // The text stays out of the message: errors end up in logs.
      if (exit.code !== 0) throw new FliteSynthesisError(`flite exited with ${exit.code ?? exit.signal}`);
      const wav = parseWav(await readFile(file));
      const mono = downmixToMono(wav.samples, wav.channels);
      return trimLeadingSilence(resampleMono(mono, wav.sampleRateHz, FLITE_SAMPLE_RATE_HZ));
    } finally {
      signal.removeEventListener("abort", kill);
      this.#running.delete(child);
      await rm(file, { force: true });
    }
  }
}

export class FliteChunkedStream extends tts.ChunkedStream {
  label = "speaknode.offline.FliteChunkedStream";
  readonly #flite: FliteTTS;

  constructor(flite: FliteTTS, text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal) {
    super(text, flite, connOptions, abortSignal);
    this.#flite = flite;
  }

  protected async run(): Promise<void> {
    const requestId = shortuuid("flite_");
    try {
      const samples = await this.#flite._render(this.inputText, this.abortSignal);
      if (samples === null || this.abortSignal.aborted) return;
      for (let start = 0; start < samples.length; start += FRAME_SAMPLES) {
        const chunk = samples.slice(start, start + FRAME_SAMPLES);
        const frame = new AudioFrame(chunk, FLITE_SAMPLE_RATE_HZ, 1, chunk.length);
        this.queue.put({ requestId, segmentId: requestId, frame, final: start + FRAME_SAMPLES >= samples.length });
      }
    } finally {
      if (!this.queue.closed) this.queue.close();
    }
  }
}
