// The two AudioWorklet processors of the local transport, built into one module that the widget
// loads from a Blob URL (build-lib.ts inlines it), so no extra file has to be served with CORS.
//
// speaknode-capture: microphone → mono → resampled to the wire rate → 20 ms PCM16 frames posted
// to the main thread (which sends them on the socket).
// speaknode-playback: PCM16 from the main thread → resampled to the context rate → jitter
// buffer → speakers; reports played marks and whether the agent is audible.
import { floatToPcm16, FrameChunker, pcm16FromBytes, pcm16ToBytes, pcm16ToFloat, samplesFor, StreamResampler } from "../pcm.ts";
import { PlaybackQueue } from "../playback-queue.ts";

// The AudioWorkletGlobalScope is not in TypeScript's DOM lib; these are the parts used here.
interface WorkletProcessor {
  readonly port: MessagePort;
}
interface WorkletScope {
  sampleRate: number;
  AudioWorkletProcessor: new () => WorkletProcessor;
  registerProcessor(name: string, ctor: new (options: { processorOptions?: unknown }) => WorkletProcessor): void;
}
const scope = globalThis as unknown as WorkletScope;

export interface CaptureOptions {
  wireRateHz: number;
  frameMs: number;
}
export interface PlaybackOptions {
  wireRateHz: number;
  jitterMs: number;
  /** Silence that ends "agent audible" (a short gap between words is not the end). */
  quietHoldMs: number;
}

/** Main thread → playback. */
export type PlaybackCommand = { type: "audio"; pcm: ArrayBuffer } | { type: "mark"; name: string } | { type: "clear" };
/** Playback → main thread. */
export type PlaybackReport = { type: "mark"; name: string } | { type: "audible"; audible: boolean };

class CaptureProcessor extends scope.AudioWorkletProcessor {
  private readonly resampler: StreamResampler;
  private readonly chunker: FrameChunker;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const opts = options.processorOptions as CaptureOptions;
    this.resampler = new StreamResampler(scope.sampleRate, opts.wireRateHz);
    this.chunker = new FrameChunker(samplesFor(opts.frameMs, opts.wireRateHz));
  }

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    const first = channels?.[0];
    if (!channels || !first) return true;
    let mono = first;
    if (channels.length > 1) {
      mono = new Float32Array(first.length);
      for (const channel of channels) for (let i = 0; i < channel.length; i++) mono[i] = (mono[i] ?? 0) + (channel[i] ?? 0) / channels.length;
    }
    this.chunker.push(this.resampler.process(mono), (frame) => {
      const bytes = pcm16ToBytes(floatToPcm16(frame));
      this.port.postMessage(bytes, [bytes]);
    });
    return true;
  }
}

class PlaybackProcessor extends scope.AudioWorkletProcessor {
  private readonly resampler: StreamResampler;
  private readonly queue: PlaybackQueue;
  private readonly quietHoldSamples: number;
  private quietSamples = 0;
  private audible = false;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const opts = options.processorOptions as PlaybackOptions;
    this.resampler = new StreamResampler(opts.wireRateHz, scope.sampleRate);
    this.queue = new PlaybackQueue(samplesFor(opts.jitterMs, scope.sampleRate));
    this.quietHoldSamples = samplesFor(opts.quietHoldMs, scope.sampleRate);
    this.port.onmessage = (event: MessageEvent<PlaybackCommand>) => {
      const command = event.data;
      if (command.type === "audio") {
        this.queue.pushAudio(this.resampler.process(pcm16ToFloat(pcm16FromBytes(command.pcm))));
      } else if (command.type === "mark") {
        this.queue.pushMark(command.name);
      } else {
        this.queue.clear();
        this.setAudible(false);
      }
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (!out) return true;
    const { marks, played } = this.queue.render(out);
    for (const channel of outputs[0]?.slice(1) ?? []) channel.set(out);
    for (const name of marks) this.post({ type: "mark", name });
    if (played) {
      this.quietSamples = 0;
      this.setAudible(true);
    } else if (this.audible && (this.quietSamples += out.length) >= this.quietHoldSamples) {
      this.setAudible(false);
    }
    return true;
  }

  private setAudible(audible: boolean): void {
    if (audible === this.audible) return;
    this.audible = audible;
    this.post({ type: "audible", audible });
  }

  private post(report: PlaybackReport): void {
    this.port.postMessage(report);
  }
}

scope.registerProcessor("speaknode-capture", CaptureProcessor);
scope.registerProcessor("speaknode-playback", PlaybackProcessor);
