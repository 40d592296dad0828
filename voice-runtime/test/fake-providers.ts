// Providers of fixed, known latency for tests and the orchestration benchmark: an STT that
// answers each utterance with the next scripted transcript after `latencyMs`, and a TTS whose
// first audio comes `ttfbMs` after the request (a quiet tone, `msPerChar` per character). With these,
// everything a turn takes beyond the providers' sum is the runtime's own overhead.
import { asLanguageCode, stt, tts, type APIConnectOptions, type AudioBuffer } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

export class FixedLatencySTT extends stt.STT {
  label = "test.FixedLatencySTT";
  readonly #latencyMs: number;
  #transcripts: string[];
  readonly #language: string;
  readonly heard: number[] = [];

  constructor(opts: { latencyMs: number; transcripts: string[]; language?: string }) {
    super({ streaming: false, interimResults: false });
    this.#latencyMs = opts.latencyMs;
    this.#transcripts = [...opts.transcripts];
    this.#language = opts.language ?? "en-US";
  }

  /** What the next utterances heard are recognised as, replacing what was left of the script. */
  script(transcripts: string[]): void {
    this.#transcripts = [...transcripts];
  }

  protected async _recognize(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const frames = Array.isArray(buffer) ? buffer : [buffer];
    this.heard.push(frames.reduce((n, f) => n + f.samplesPerChannel / f.sampleRate, 0));
    await sleep(this.#latencyMs, abortSignal);
    const text = this.#transcripts.shift() ?? "";
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      alternatives: [{ language: asLanguageCode(this.#language), text, startTime: 0, endTime: 0, confidence: 1 }],
    };
  }

  stream(): stt.SpeechStream {
    throw new Error("FixedLatencySTT does not stream");
  }
}

const sampleRateHz = 16_000;

class ToneStream extends tts.ChunkedStream {
  label = "test.FixedLatencyTTS.stream";
  readonly #ttfbMs: number;
  readonly #msPerChar: number;

  constructor(text: string, owner: FixedLatencyTTS, connOptions?: APIConnectOptions, signal?: AbortSignal) {
    super(text, owner, connOptions, signal);
    this.#ttfbMs = owner.ttfbMs;
    this.#msPerChar = owner.msPerChar;
  }

  protected async run(): Promise<void> {
    try {
      await sleep(this.#ttfbMs, this.abortSignal);
      const frameSamples = sampleRateHz / 50;
      const frames = Math.max(5, Math.ceil((this.inputText.length * this.#msPerChar) / 20));
      for (let i = 0; i < frames; i++) {
        const data = new Int16Array(frameSamples);
        for (let s = 0; s < frameSamples; s++) data[s] = Math.round(3000 * Math.sin((2 * Math.PI * 220 * (i * frameSamples + s)) / sampleRateHz));
        this.queue.put({ requestId: "tone", segmentId: "tone", frame: new AudioFrame(data, sampleRateHz, 1, frameSamples), final: i === frames - 1 });
      }
    } finally {
      this.queue.close();
    }
  }
}

export class FixedLatencyTTS extends tts.TTS {
  label = "test.FixedLatencyTTS";
  readonly ttfbMs: number;
  /** Length of the tone per character of text; change it between turns for longer replies. */
  msPerChar: number;
  readonly spoken: string[] = [];

  constructor(opts: { ttfbMs: number; msPerChar?: number }) {
    super(sampleRateHz, 1, { streaming: false });
    this.ttfbMs = opts.ttfbMs;
    this.msPerChar = opts.msPerChar ?? 60;
  }

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    this.spoken.push(text);
    return new ToneStream(text, this, connOptions, abortSignal);
  }

  stream(): tts.SynthesizeStream {
    throw new Error("FixedLatencyTTS does not stream");
  }
}
