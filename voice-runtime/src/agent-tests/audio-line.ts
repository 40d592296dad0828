// The simulated caller's end of an audio test case: a microphone that runs in real time (a 20 ms
// frame every 20 ms, silence unless the caller is saying a line) feeding the session's audio input,
// and a loudspeaker (the local transport's paced output) that plays the agent's voice out at the
// pace a caller hears it, so that a line said over the agent lands mid-reply and a barge-in cuts
// real audio short.
//
// A web caller sends 16 kHz PCM. A phone caller's audio crosses the line as a Twilio call's does:
// down to 8 kHz, G.711 μ-law and back, then up to the 16 kHz pipeline with the Twilio transport's
// own filters (transport/twilio/codec.ts), so the STT hears what it would hear on a phone call.
import { FliteTTS } from "../providers/offline/flite-tts.ts";
import { concatPcm } from "../providers/offline/speech-tools.ts";
import { LocalAudioInput } from "../transport/local/audio-input.ts";
import { LocalAudioOutput } from "../transport/local/audio-output.ts";
import { Downsampler16To8, ulawDecode, ulawEncode, Upsampler8To16 } from "../transport/twilio/codec.ts";

export const lineRateHz = 16_000;
export const lineFrameMs = 20;
const frameSamples = (lineRateHz * lineFrameMs) / 1000;
/** Silence before the caller's words, as a person draws breath: the VAD's prefix padding has room. */
const leadInMs = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** G.711 over 8 kHz, both ways through the Twilio transport's codec, frame by frame (the filters keep state). */
class PhoneLineCodec {
  readonly #down = new Downsampler16To8();
  readonly #up = new Upsampler8To16();

  carry(frame: Int16Array): Int16Array {
    return this.#up.push(ulawDecode(ulawEncode(this.#down.push(frame))));
  }
}

export interface CallerLineOptions {
  phone: boolean;
}

/** The caller's microphone and loudspeaker, attached to a session as its audio input and output. */
export class CallerLine {
  readonly input = new LocalAudioInput({ sampleRateHz: lineRateHz, frameMs: lineFrameMs });
  readonly output: LocalAudioOutput;
  readonly #codec: PhoneLineCodec | null;
  readonly #queue: Int16Array[] = [];
  #drained: (() => void)[] = [];
  #running = true;
  readonly #mic: Promise<void>;
  /** Milliseconds of the agent's voice the caller heard. */
  #agentAudioMs = 0;
  #voice: FliteTTS | undefined;

  constructor(options: CallerLineOptions) {
    this.#codec = options.phone ? new PhoneLineCodec() : null;
    this.output = new LocalAudioOutput({
      sampleRateHz: lineRateHz,
      frameMs: lineFrameMs,
      // The loudspeaker only counts: what matters is that the voice is played out in real time.
      sink: { sendAudio: (samples) => void (this.#agentAudioMs += (samples.length * 1000) / lineRateHz), sendControl: () => {} },
    });
    this.#mic = this.#runMicrophone();
  }

  get agentAudioMs(): number {
    return this.#agentAudioMs;
  }

  /** True while the caller is saying something. */
  get speaking(): boolean {
    return this.#queue.length > 0;
  }

  /** The caller's line in flite's `rms` voice (the one pocketsphinx hears best), at the line's rate. */
  async voiceOf(text: string): Promise<Int16Array> {
    this.#voice ??= new FliteTTS({ voice: "rms" });
    const parts: Int16Array[] = [new Int16Array((lineRateHz * leadInMs) / 1000)];
    for await (const audio of this.#voice.synthesize(text)) {
      parts.push(audio.frame.data.subarray(0, audio.frame.samplesPerChannel));
    }
    return concatPcm(parts);
  }

  /** Queues the samples on the microphone; resolves once the last of them has been sent. */
  say(samples: Int16Array): Promise<void> {
    for (let at = 0; at < samples.length; at += frameSamples) {
      const frame = new Int16Array(frameSamples);
      frame.set(samples.subarray(at, Math.min(at + frameSamples, samples.length)));
      this.#queue.push(frame);
    }
    return new Promise((resolve) => (this.#queue.length === 0 ? resolve() : this.#drained.push(resolve)));
  }

  /** Hangs up: the microphone stops, the input ends, the loudspeaker lets go of what it holds. */
  async close(): Promise<void> {
    this.#running = false;
    await this.#mic;
    this.input.end();
    this.output.dispose();
    await this.#voice?.close();
  }

  async #runMicrophone(): Promise<void> {
    const startedAt = Date.now();
    // Frame i is due at start + i × 20 ms: a late timer sends the frames it owes at once, so the
    // audio keeps the wall clock's pace however busy the event loop is.
    for (let i = 0; this.#running; i++) {
      const frame = this.#queue.shift() ?? new Int16Array(frameSamples);
      this.input.pushPcm(this.#codec ? this.#codec.carry(frame) : frame);
      if (this.#queue.length === 0 && this.#drained.length > 0) for (const resolve of this.#drained.splice(0)) resolve();
      await sleep(Math.max(0, startedAt + (i + 1) * lineFrameMs - Date.now()));
    }
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
