// The caller's audio from the local media socket, as the AgentSession's audio input.
//
// Frames stay at the client's rate: Silero's VAD, every STT stream (`SpeechStream.pushFrame`) and
// the interruption detector resample to what they need themselves, so resampling here would only
// cost a second pass. What the session does want is steady frames, so the socket's chunks (any
// size a client chose) are cut into whole `frameMs` frames. A client may also stop sending while
// its user is quiet (a muted microphone, discontinuous transmission): the VAD only ends a turn on
// silence it hears, so gaps longer than a few frames are filled with silence, in real time.
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

/** Frames of missing audio tolerated before the gap is filled with silence. */
const gapFramesBeforeFill = 5;

export class LocalAudioInput extends AudioInput {
  readonly sampleRateHz: number;
  private readonly frameSamples: number;
  private readonly pending = new PcmQueue();
  private readonly channel = stream.createStreamChannel<AudioFrame>();
  private readonly onReceivedFrame: FrameTap | undefined;
  private attached = true;
  private ended = false;
  private readonly frameMs: number;
  /** When the audio heard so far (received or filled in) runs out, in Date.now() ms. */
  private heardUntilMs: number | null = null;
  private gapTimer: NodeJS.Timeout | null = null;

  constructor(options: LocalAudioInputOptions) {
    super();
    this.sampleRateHz = options.sampleRateHz;
    this.frameMs = options.frameMs;
    this.frameSamples = Math.round((options.sampleRateHz * options.frameMs) / 1000);
    this.onReceivedFrame = options.onReceivedFrame;
    this.multiStream.addInputStream(this.channel.stream());
  }

  /** Caller audio from one binary frame, at `sampleRateHz`. */
  pushPcm(samples: Int16Array): void {
    if (this.ended) return;
    this.pending.push(samples);
    while (this.pending.length >= this.frameSamples) this.emit(this.pending.take(this.frameSamples));
    this.watchGaps();
  }

  /** The caller is gone: pass on the last partial frame and end this input's stream. */
  end(): void {
    if (this.ended) return;
    if (this.pending.length > 0) this.emit(this.pending.take(this.pending.length));
    this.ended = true;
    if (this.gapTimer) clearInterval(this.gapTimer);
    this.gapTimer = null;
    void this.channel.close().catch(() => {});
  }

  /** Starts (once audio flows) the check that fills a silent client's gaps with silence. */
  private watchGaps(): void {
    if (this.gapTimer || this.ended) return;
    this.gapTimer = setInterval(() => {
      const now = Date.now();
      // A few frames of slack for network jitter before silence is assumed.
      if (this.heardUntilMs === null || now - this.heardUntilMs < gapFramesBeforeFill * this.frameMs) return;
      while (this.heardUntilMs + this.frameMs <= now) this.emit(new Int16Array(this.frameSamples), { filled: true });
    }, this.frameMs);
    this.gapTimer.unref();
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

  private emit(samples: Int16Array, opts: { filled?: boolean } = {}): void {
    const now = Date.now();
    const durationMs = (samples.length / this.sampleRateHz) * 1000;
    // Received audio plays from now (or on from what was heard, if the client sent ahead).
    this.heardUntilMs = opts.filled || this.heardUntilMs === null ? (this.heardUntilMs ?? now) + durationMs : Math.max(now, this.heardUntilMs) + durationMs;
    try {
      this.onReceivedFrame?.(samples, this.sampleRateHz, now);
    } catch {
      // a recorder's failure must not cost the call its audio
    }
    if (!this.attached) return;
    void this.channel.write(new AudioFrame(samples, this.sampleRateHz, 1, samples.length)).catch(() => {});
  }
}
