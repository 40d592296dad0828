// Offline speech recognition with pocketsphinx (Debian's python3-pocketsphinx and the en-us model
// of pocketsphinx-en-us). One warm decoder process per STT (pocketsphinx-stream.ts) serves every
// utterance, which saves the ~0.5 s model load on each. Given a VAD, the STT streams: it decodes
// each utterance while the caller speaks and has the final as soon as the VAD hears the end
// (pocketsphinx-speech-stream.ts). Without one, it recognises whole utterances and the session
// wraps it in the library's VAD StreamAdapter.
import { type APIConnectOptions, type AudioBuffer, type LanguageCode, getBaseLanguage, normalizeLanguage, stt, type VAD } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { join } from "node:path";
import { PocketsphinxSpeechStream } from "./pocketsphinx-speech-stream.ts";
import { POCKETSPHINX_PYTHON_MODULE, PocketsphinxStreamDecoder, SYSTEM_PYTHON } from "./pocketsphinx-stream.ts";
import { StreamingUnsupportedError, concatPcm, downmixToMono, requireFiles, resampleMono } from "./speech-tools.ts";

export { PocketsphinxDecodeError, type DecodeResult } from "./pocketsphinx-stream.ts";

/** pocketsphinx's acoustic model is trained on 16 kHz mono audio. */
export const POCKETSPHINX_SAMPLE_RATE_HZ = 16_000;
export const POCKETSPHINX_MODELS = { "en-us": "/usr/share/pocketsphinx/model/en-us" } as const;
export type PocketsphinxModel = keyof typeof POCKETSPHINX_MODELS;

export interface PocketsphinxSTTOptions {
  /** Catalog model name; only "en-us" (pocketsphinx-en-us) is installed. */
  model?: string;
  /** BCP 47 tag of the speech; must be English (en, en-US, ...). Reported on every transcript. */
  language?: string;
  /** Directory holding en-us/, en-us.lm.bin and cmudict-en-us.dict; defaults to the Debian path. */
  modelDir?: string;
  /** Longest wait for one utterance beyond its own duration before the decoder is restarted. */
  decodeTimeoutMs?: number;
  /**
   * Streams with this VAD cutting utterances (the session's Silero with the turn's silence, so
   * the final lands when the session decides the caller stopped). Without it, `stream()` refuses
   * and the session wraps the STT in a VAD StreamAdapter.
   */
  vad?: VAD;
  /** New speech between two interim transcripts (sent only when the text changed); 0 turns them off. */
  interimEveryMs?: number;
}

/** The requested model or language is not one the installed pocketsphinx model can recognise. */
export class PocketsphinxUnsupportedError extends Error {
  override readonly name = "PocketsphinxUnsupportedError";
  readonly retryable = false;
}

/** Concatenates a buffer of frames into mono 16 kHz PCM, resampling each run of equal rate. */
export function toPocketsphinxPcm(buffer: AudioBuffer): Int16Array {
  const frames: AudioFrame[] = Array.isArray(buffer) ? buffer : [buffer];
  const parts: Int16Array[] = [];
  let run: Int16Array[] = [];
  let runRate = 0;
  const flush = () => {
    if (run.length === 0) return;
    const joined = concatPcm(run);
    parts.push(resampleMono(joined, runRate, POCKETSPHINX_SAMPLE_RATE_HZ));
    run = [];
  };
  for (const frame of frames) {
    if (frame.samplesPerChannel === 0) continue;
    if (frame.sampleRate !== runRate) flush();
    runRate = frame.sampleRate;
    const samples = frame.data.subarray(0, frame.samplesPerChannel * frame.channels);
    run.push(downmixToMono(samples, frame.channels));
  }
  flush();
  return concatPcm(parts);
}


export class PocketsphinxSTT extends stt.STT {
  label = "speaknode.offline.PocketsphinxSTT";
  readonly #model: PocketsphinxModel;
  readonly #language: LanguageCode;
  readonly #decodeTimeoutMs: number;
  readonly #decoder: PocketsphinxStreamDecoder;
  readonly #vad: VAD | undefined;

  constructor(options: PocketsphinxSTTOptions = {}) {
    super({ streaming: options.vad !== undefined, interimResults: options.vad !== undefined && options.interimEveryMs !== 0 });
    const model = options.model ?? "en-us";
    if (!Object.hasOwn(POCKETSPHINX_MODELS, model)) {
      throw new PocketsphinxUnsupportedError(`no pocketsphinx model "${model}"; installed: ${Object.keys(POCKETSPHINX_MODELS).join(", ")}`);
    }
    this.#model = model as PocketsphinxModel;
    const language = normalizeLanguage(options.language ?? "en-US");
    if (getBaseLanguage(language) !== "en") {
      throw new PocketsphinxUnsupportedError(`pocketsphinx model "${model}" recognises English only, not ${language}`);
    }
    this.#language = language;
    this.#decodeTimeoutMs = options.decodeTimeoutMs ?? 10_000;
    this.#vad = options.vad;
    requireFiles([SYSTEM_PYTHON, POCKETSPHINX_PYTHON_MODULE], ["python3-pocketsphinx"]);
    const dir = options.modelDir ?? POCKETSPHINX_MODELS[this.#model];
    const [hmm, lm, dict] = [join(dir, "en-us"), join(dir, "en-us.lm.bin"), join(dir, "cmudict-en-us.dict")];
    requireFiles([join(hmm, "mdef"), lm, dict], ["pocketsphinx-en-us"]);
    this.#decoder = new PocketsphinxStreamDecoder({ hmm, lm, dict, partialEveryMs: options.vad === undefined ? 0 : (options.interimEveryMs ?? 300) });
  }

  override get model(): string {
    return this.#model;
  }

  override get provider(): string {
    return "pocketsphinx";
  }

  /** Pid of the warm decoder's process group, if it is running (for diagnostics and tests). */
  get decoderProcessId(): number | undefined {
    return this.#decoder.processId;
  }

  /** Starts the decoder now so the first utterance does not pay for loading the model. */
  async warmUp(): Promise<void> {
    await this.#decoder.ready(this.#decodeTimeoutMs);
  }

  protected async _recognize(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const pcm = toPocketsphinxPcm(buffer);
    const durationSeconds = pcm.length / POCKETSPHINX_SAMPLE_RATE_HZ;
    let text = "";
    let requestId = "";
    let pathScore: number | null = null;
    if (pcm.length > 0) {
      if (abortSignal?.aborted) throw new DOMException("recognition aborted", "AbortError");
      const utterance = this.#decoder.open();
      utterance.write(pcm);
      ({ text, utteranceId: requestId, pathScore } = await utterance.end(this.#decodeTimeoutMs + durationSeconds * 1000, abortSignal));
    }
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      requestId,
      alternatives: [
        {
          language: this.#language,
          text,
          startTime: 0,
          endTime: durationSeconds,
          // pocketsphinx reports a path score, not a posterior; 0 says "unknown".
          confidence: 0,
          metadata: { pathScore },
        },
      ],
    };
  }

  stream(options?: { connOptions?: APIConnectOptions }): stt.SpeechStream {
    if (this.#vad === undefined) throw new StreamingUnsupportedError(this.label, "stt.StreamAdapter with a VAD, or pass `vad` to stream");
    return new PocketsphinxSpeechStream(this, { decoder: this.#decoder, vad: this.#vad, language: this.#language, decodeTimeoutMs: this.#decodeTimeoutMs }, options?.connOptions);
  }

  override async close(): Promise<void> {
    this.#decoder.close();
  }
}
