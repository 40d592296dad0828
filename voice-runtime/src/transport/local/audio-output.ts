// The agent's voice to the local media socket, as the AgentSession's audio output.
//
// The session pushes a segment's audio faster than real time; a paced sender releases it one
// frame every `frameMs`, at most `leadFrames` ahead of the wall clock. The lead keeps the
// client's jitter buffer fed, and is all a barge-in can leave behind: `clearBuffer()` drops the
// rest of the queue at once and tells the client to drop what it buffered.
//
// Every sent frame has a play time (`playAt`, wall-clock ms) on a timeline that runs while the
// sender streams and restarts at "now" after it fell silent, so the playback position is the
// voice sent minus the part still in the client's buffer. Events follow the AudioOutput
// contract: `playbackStarted` when a segment's first frame goes out, `playbackFinished` once
// per segment (when its last frame has played, or at once when cleared), and
// `playbackProgressed` for each continuous run of a segment's voice. `pause()` holds the voice
// (what the client already buffered still plays; the background goes on) until `resume()`, so
// the session can take back a false interruption. `resume()` lets the voice out on the event
// loop's next turn, not at once: the library resumes a reply it has just dropped a moment before
// its task clears the buffer (agent_activity.js `cancelSpeechPause`), and a clear in between must
// find that reply's voice still held, or the lead of it reaches the caller after the agent went quiet.
import { AudioFrame, AudioResampler } from "@livekit/rtc-node";
import { AudioOutput } from "@livekit/agents";
import type { MediaServerMessage } from "@speaknode/contracts";
import type { BackgroundSource } from "../../audio/types.ts";
import type { FrameTap } from "./audio-input.ts";
import { backgroundAt, type ResampledBackground } from "./background.ts";
import { mixInto, monoSamples, PcmQueue } from "./pcm.ts";

/** Where the sender's frames and control messages go (the socket, in production). */
export interface MediaSink {
  sendAudio(samples: Int16Array): void;
  sendControl(message: MediaServerMessage): void;
}

export interface LocalAudioOutputOptions {
  sampleRateHz: number;
  frameMs: number;
  sink: MediaSink;
  /** How many frames the sender may run ahead of the wall clock (default 3). */
  leadFrames?: number;
  /** Sees every frame sent (voice and background mixed), with the time it is due to play. */
  onSentFrame?: FrameTap;
}

interface Segment {
  readonly id: number;
  /** Voice captured at the client's rate, not yet sent. */
  readonly pcm: PcmQueue;
  resampler: AudioResampler | null;
  flushed: boolean;
  /** Flushed and drained: finished once `sentEndAt` has passed. */
  sent: boolean;
  started: boolean;
  sentSamples: number;
  /** When the client is done playing the voice sent so far. */
  sentEndAt: number;
  /** The continuous run of voice playing now, reported when it ends. */
  run: { startedAt: number; offsetMs: number } | null;
}

interface NextFrame {
  samples: Int16Array | null;
  marks: string[];
}

export class LocalAudioOutput extends AudioOutput {
  readonly sampleRateHz: number;
  readonly frameMs: number;
  private readonly frameSamples: number;
  private readonly leadMs: number;
  private readonly sink: MediaSink;
  private readonly onSentFrame: FrameTap | undefined;

  private segments: Segment[] = [];
  private open: Segment | null = null;
  private nextSegmentId = 1;
  /** Play time of the next frame to send; null once the client's buffer is known to be empty. */
  private nextPlayAt: number | null = null;
  private background: { source: ResampledBackground; volume: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pumping = false;
  private pumpAgain = false;
  private disposed = false;
  private paused = false;
  /** The pending end of a pause (see `resume`). */
  private resuming: NodeJS.Immediate | null = null;
  // Events are emitted once the sender's state is consistent: a listener may call back in.
  private events: (() => void)[] = [];

  constructor(options: LocalAudioOutputOptions) {
    // Declaring the rate makes the session resample TTS audio to it before capture.
    super(options.sampleRateHz, undefined, { pause: true });
    this.sampleRateHz = options.sampleRateHz;
    this.frameMs = options.frameMs;
    this.frameSamples = Math.round((options.sampleRateHz * options.frameMs) / 1000);
    this.leadMs = Math.max(1, options.leadFrames ?? 3) * options.frameMs;
    this.sink = options.sink;
    this.onSentFrame = options.onSentFrame;
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    // Counts a new segment synchronously when none is open; mirrored by `this.open`.
    const counted = super.captureFrame(frame);
    let segment = this.open;
    if (!segment) {
      segment = this.newSegment();
      this.open = segment;
      this.segments.push(segment);
    }
    if (!this.disposed) {
      this.append(segment, frame);
      this.pump();
    }
    await counted;
  }

  override flush(): void {
    if (!this.closeOpenSegment()) return;
    if (this.disposed) this.interruptAll();
    else this.pump();
  }

  override clearBuffer(): void {
    this.closeOpenSegment();
    this.finishDue(Date.now());
    if (this.segments.length === 0) {
      this.emitEvents();
      return;
    }
    // The client hears up to the lead after this; tell it first, then settle the segments.
    if (!this.disposed) this.sink.sendControl({ type: "clear" });
    this.nextPlayAt = null;
    this.interruptAll();
    if (!this.disposed) this.pump();
  }

  override pause(): void {
    super.pause();
    this.paused = true;
    this.cancelResume();
  }

  override resume(): void {
    super.resume();
    if (!this.paused || this.resuming || this.disposed) return;
    this.resuming = setImmediate(() => {
      this.resuming = null;
      this.paused = false;
      if (!this.disposed) this.pump();
    });
  }

  private cancelResume(): void {
    if (this.resuming) clearImmediate(this.resuming);
    this.resuming = null;
  }

  override abandonOpenSegment(): void {
    super.abandonOpenSegment();
    const segment = this.open;
    if (!segment) return;
    this.open = null;
    segment.resampler?.close();
    this.segments = this.segments.filter((s) => s !== segment);
  }

  /** Background mixed under the voice; while one is set the sender never falls silent. */
  /** Waits for what was queued to play out, at most `boundMs` (a hang-up must not wait forever). */
  async playoutWithin(boundMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.waitForPlayout(), new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
  }

  setBackground(source: BackgroundSource | null, volume: number): void {
    this.background?.source.close();
    this.background = source ? { source: backgroundAt(source, this.sampleRateHz), volume: Math.min(1, Math.max(0, volume)) } : null;
    if (!this.disposed) this.pump();
  }

  /** The socket is gone: stop sending, and settle every segment so no one waits on playout. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cancelResume();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closeOpenSegment();
    this.interruptAll();
    this.background?.source.close();
    this.background = null;
  }

  private newSegment(): Segment {
    return { id: this.nextSegmentId++, pcm: new PcmQueue(), resampler: null, flushed: false, sent: false, started: false, sentSamples: 0, sentEndAt: 0, run: null };
  }

  private append(segment: Segment, frame: AudioFrame): void {
    const mono = monoSamples(frame);
    if (frame.sampleRate === this.sampleRateHz) {
      this.drainResampler(segment);
      segment.pcm.push(mono.slice());
      return;
    }
    // Only for frames not already resampled by the session (which honours `sampleRate`).
    if (segment.resampler?.inputRate !== frame.sampleRate) {
      this.drainResampler(segment);
      segment.resampler = new AudioResampler(frame.sampleRate, this.sampleRateHz, 1);
    }
    for (const out of segment.resampler.push(new AudioFrame(mono.slice(), frame.sampleRate, 1, mono.length))) {
      segment.pcm.push(out.data.subarray(0, out.samplesPerChannel));
    }
  }

  private drainResampler(segment: Segment): void {
    const resampler = segment.resampler;
    if (!resampler) return;
    segment.resampler = null;
    for (const out of resampler.flush()) segment.pcm.push(out.data.subarray(0, out.samplesPerChannel));
    resampler.close();
  }

  /** Ends the segment being captured; false when none was open. */
  private closeOpenSegment(): boolean {
    super.flush();
    const segment = this.open;
    if (!segment) return false;
    this.open = null;
    this.drainResampler(segment);
    segment.flushed = true;
    return true;
  }

  // ---- The paced sender --------------------------------------------------------------------------

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.sendDue();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.schedule();
    this.emitEvents();
  }

  private sendDue(): void {
    const now = Date.now();
    this.finishDue(now);
    if (this.disposed) return;
    // Behind by more than a frame (the sender was idle, or the event loop stalled), the client's
    // buffer ran dry: restart the timeline at now rather than burst to catch up.
    if (this.nextPlayAt === null || this.nextPlayAt < now - this.frameMs) this.nextPlayAt = now;
    while (this.nextPlayAt + this.frameMs - now <= this.leadMs) {
      const playAt = this.nextPlayAt;
      const next = this.nextFrame(playAt);
      if (next.samples) {
        this.sink.sendAudio(next.samples);
        this.nextPlayAt += this.frameMs;
        try {
          this.onSentFrame?.(next.samples, this.sampleRateHz, playAt);
        } catch {
          // a recorder's failure must not stop the voice
        }
      }
      for (const name of next.marks) this.sink.sendControl({ type: "mark", name });
      if (!next.samples) break;
    }
    this.finishDue(now);
  }

  /** The next frame (voice of the oldest unsent segment, background under it), and the marks
   *  of the segments it completes. No samples when there is nothing to play. */
  private nextFrame(playAt: number): NextFrame {
    let voice: Int16Array | null = null;
    const marks: string[] = [];
    for (const segment of this.paused ? [] : this.segments) {
      if (segment.sent) continue;
      if (voice || (!segment.flushed && segment.pcm.length < this.frameSamples)) break;
      if (segment.pcm.length > 0) voice = this.takeVoice(segment, playAt);
      if (segment.flushed && segment.pcm.length === 0) {
        segment.sent = true;
        if (segment.sentSamples > 0) marks.push(`seg-${segment.id}`);
      }
    }
    const background = this.background;
    if (!voice && !background) return { samples: null, marks };
    const samples = voice ?? new Int16Array(this.frameSamples);
    if (background && background.volume > 0) mixInto(samples, background.source.read(this.frameSamples), background.volume);
    return { samples, marks };
  }

  private takeVoice(segment: Segment, playAt: number): Int16Array {
    const taken = segment.pcm.take(this.frameSamples);
    const voice = taken.length === this.frameSamples ? taken : padded(taken, this.frameSamples);
    if (!segment.started) {
      segment.started = true;
      this.events.push(() => this.onPlaybackStarted(Date.now()));
    }
    // A run is continuous voice at the client; a frame that does not follow on starts a new one.
    if (segment.run && playAt - segment.sentEndAt > 1) this.endRun(segment, (segment.sentSamples * 1000) / this.sampleRateHz);
    segment.run ??= { startedAt: playAt, offsetMs: (segment.sentSamples * 1000) / this.sampleRateHz };
    segment.sentSamples += taken.length;
    segment.sentEndAt = playAt + (taken.length * 1000) / this.sampleRateHz;
    return voice;
  }

  private endRun(segment: Segment, playedMs: number): void {
    const run = segment.run;
    segment.run = null;
    if (!run || playedMs <= run.offsetMs) return;
    const progressed = { startedAt: run.startedAt, offset: run.offsetMs, duration: playedMs - run.offsetMs };
    this.events.push(() => this.onPlaybackProgressed(progressed));
  }

  /** Finishes, in order, the segments whose last frame has played. */
  private finishDue(now: number): void {
    for (let head = this.segments[0]; head && head.sent && head.sentEndAt <= now; head = this.segments[0]) {
      this.segments.shift();
      const playbackPosition = head.sentSamples / this.sampleRateHz;
      this.endRun(head, playbackPosition * 1000);
      this.events.push(() => this.onPlaybackFinished({ playbackPosition, interrupted: false }));
    }
  }

  /** Drops every segment; each is finished as interrupted where its playback stands now. */
  private interruptAll(): void {
    const now = Date.now();
    const segments = this.segments;
    this.segments = [];
    for (const segment of segments) {
      segment.resampler?.close();
      segment.resampler = null;
      segment.pcm.clear();
      const unplayed = Math.round((Math.max(0, segment.sentEndAt - now) * this.sampleRateHz) / 1000);
      const playbackPosition = Math.max(0, segment.sentSamples - unplayed) / this.sampleRateHz;
      this.endRun(segment, playbackPosition * 1000);
      this.events.push(() => this.onPlaybackFinished({ playbackPosition, interrupted: true }));
    }
    this.emitEvents();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.disposed) return;
    let wakeAt = Number.POSITIVE_INFINITY;
    const head = this.segments[0];
    if (head?.sent) wakeAt = head.sentEndAt;
    if (this.nextPlayAt !== null && (this.background || this.canSendVoice())) wakeAt = Math.min(wakeAt, this.nextPlayAt + this.frameMs - this.leadMs);
    if (wakeAt === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, wakeAt - Date.now()));
  }

  private canSendVoice(): boolean {
    if (this.paused) return false;
    for (const segment of this.segments) {
      if (segment.sent) continue;
      return segment.flushed || segment.pcm.length >= this.frameSamples;
    }
    return false;
  }

  private emitEvents(): void {
    for (let event = this.events.shift(); event; event = this.events.shift()) {
      try {
        event();
      } catch (error) {
        // A listener's failure must neither stop the sender (this may run from its timer) nor
        // swallow the events queued behind it.
        this.logger.error({ error }, "local media: a playback listener threw");
      }
    }
  }
}

function padded(samples: Int16Array, length: number): Int16Array {
  const out = new Int16Array(length);
  out.set(samples);
  return out;
}
