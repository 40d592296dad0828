// The caller's audio from the local media socket, as the AgentSession's audio input.
//
// Frames stay at the client's rate: Silero's VAD, every STT stream (`SpeechStream.pushFrame`) and
// the interruption detector resample to what they need themselves, so resampling here would only
// cost a second pass. What the session does want is steady frames, so the socket's chunks (any
// size a client chose) are cut into whole `frameMs` frames. A client may also stop sending while
// its user is quiet (a muted microphone, discontinuous transmission): the VAD only ends a turn on
// silence it hears, so gaps longer than a few frames are filled with silence, in real time.
//
// Silence filled into a gap that was only late audio (network jitter, a sender that stalled, or
// our own event loop busy while the frames sat in the socket) cuts the caller's words apart: the
// recogniser then hears "for… two" instead of "forty two". So a tick of the gap timer that fires
// late (the loop was stalled) fills nothing, and a client whose audio comes back soon after a fill
// was only late: the tolerance grows to its lateness (up to `maxFillAfterMs`), like a jitter buffer.
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

/** Frames of missing audio tolerated before the gap is filled with silence, at first. */
const gapFramesBeforeFill = 5;
/** The most missing audio tolerated after late audio raised the tolerance. */
export const maxFillAfterMs = 600;
/** Audio back within this long after a fill began was late audio, not a quiet client. */
const lateAudioWindowMs = 1500;

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
  /** Missing audio tolerated before filling; grows when audio turns out to have been late. */
  private fillAfterMs: number;
  /** When the current run of filled silence began (Date.now()), null while audio flows. */
  private fillingSinceMs: number | null = null;
  private lastTickMs = 0;

  constructor(options: LocalAudioInputOptions) {
    super();
    this.sampleRateHz = options.sampleRateHz;
    this.frameMs = options.frameMs;
    this.frameSamples = Math.round((options.sampleRateHz * options.frameMs) / 1000);
    this.onReceivedFrame = options.onReceivedFrame;
    this.fillAfterMs = gapFramesBeforeFill * options.frameMs;
    this.multiStream.addInputStream(this.channel.stream());
  }

  /** Caller audio from one binary frame, at `sampleRateHz`. */
  pushPcm(samples: Int16Array): void {
    if (this.ended) return;
    this.noteAudioBack();
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

  /** Missing audio tolerated now before the gap is filled with silence, in ms. */
  get fillToleranceMs(): number {
    return this.fillAfterMs;
  }

  /** Starts (once audio flows) the check that fills a silent client's gaps with silence. */
  private watchGaps(): void {
    if (this.gapTimer || this.ended) return;
    this.lastTickMs = Date.now();
    this.gapTimer = setInterval(() => {
      const now = Date.now();
      const lateBy = now - this.lastTickMs - this.frameMs;
      this.lastTickMs = now;
      // The loop was stalled: frames that arrived meanwhile may still be waiting in the socket.
      // Let them in first; the next tick on time fills what is really missing.
      if (lateBy > this.frameMs) return;
      if (this.heardUntilMs === null || now - this.heardUntilMs < this.fillAfterMs) return;
      this.fillingSinceMs ??= this.heardUntilMs;
      while (this.heardUntilMs + this.frameMs <= now) {
        this.emit(new Int16Array(this.frameSamples), { filled: true });
      }
    }, this.frameMs);
    this.gapTimer.unref();
  }

  /** Audio arrived: if silence was being filled, the gap was late audio when it came back soon. */
  private noteAudioBack(): void {
    if (this.fillingSinceMs === null) return;
    const gapMs = Date.now() - this.fillingSinceMs;
    if (gapMs <= lateAudioWindowMs) this.fillAfterMs = Math.min(maxFillAfterMs, Math.max(this.fillAfterMs, gapMs + 2 * this.frameMs));
    this.fillingSinceMs = null;
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
