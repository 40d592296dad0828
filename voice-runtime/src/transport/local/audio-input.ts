// The caller's audio from the local media socket, as the AgentSession's audio input.
//
// Frames stay at the client's rate: Silero's VAD, every STT stream (`SpeechStream.pushFrame`) and
// the interruption detector resample to what they need themselves, so resampling here would only
// cost a second pass. What the session does want is steady frames, so the socket's chunks (any
// size a client chose) are cut into whole `frameMs` frames.
import { AudioFrame } from "@livekit/rtc-node";
import { AudioInput, stream } from "@livekit/agents";
import { PcmQueue } from "./pcm.ts";

export type FrameTap = (frame: Int16Array, sampleRateHz: number, atMs: number) => void;

export interface LocalAudioInputOptions {
  sampleRateHz: number;
  frameMs: number;
  /** Sees every frame the caller sent (also while the session has muted the input). */
  onReceivedFrame?: FrameTap;
}

export class LocalAudioInput extends AudioInput {
  readonly sampleRateHz: number;
  private readonly frameSamples: number;
  private readonly pending = new PcmQueue();
  private readonly channel = stream.createStreamChannel<AudioFrame>();
  private readonly onReceivedFrame: FrameTap | undefined;
  private attached = true;
  private ended = false;

  constructor(options: LocalAudioInputOptions) {
    super();
    this.sampleRateHz = options.sampleRateHz;
    this.frameSamples = Math.round((options.sampleRateHz * options.frameMs) / 1000);
    this.onReceivedFrame = options.onReceivedFrame;
    this.multiStream.addInputStream(this.channel.stream());
  }

  /** Caller audio from one binary frame, at `sampleRateHz`. */
  pushPcm(samples: Int16Array): void {
    if (this.ended) return;
    this.pending.push(samples);
    while (this.pending.length >= this.frameSamples) this.emit(this.pending.take(this.frameSamples));
  }

  /** The caller is gone: pass on the last partial frame and end this input's stream. */
  end(): void {
    if (this.ended) return;
    if (this.pending.length > 0) this.emit(this.pending.take(this.pending.length));
    this.ended = true;
    void this.channel.close().catch(() => {});
  }

  // The session mutes its input by detaching it; like the room input, drop frames meanwhile
  // rather than let them pile up and be heard late.
  override setAttached(attached: boolean): void {
    this.attached = attached;
  }

  override async close(): Promise<void> {
    this.end();
    await super.close();
  }

  private emit(samples: Int16Array): void {
    try {
      this.onReceivedFrame?.(samples, this.sampleRateHz, Date.now());
    } catch {
      // a recorder's failure must not cost the call its audio
    }
    if (!this.attached) return;
    void this.channel.write(new AudioFrame(samples, this.sampleRateHz, 1, samples.length)).catch(() => {});
  }
}
