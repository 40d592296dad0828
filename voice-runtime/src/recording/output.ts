// The recorder's tap on the agent's voice: an AudioOutput in front of the real one that forwards
// everything to it and records only what the real output says actually played. Audio the agent
// produced but a barge-in cleared (clearBuffer) is never reported as played, so it is never
// recorded. Where played audio lands on the timeline comes from the sink's own reports: each
// playbackProgressed run where it says it started, or — for a sink that reports only the segment's
// start and finish — the first `playbackPosition` seconds from when it started.
import { AudioOutput } from "@livekit/agents";
import type { PlaybackFinishedEvent, PlaybackProgressedEvent } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { outputSpan, resampleRange } from "./resample.ts";
import { monoSamples, resyncToleranceMs } from "./timeline.ts";
import type { PlacedTrack, Timeline } from "./timeline.ts";

/** What the output needs from the recorder. */
export interface AgentTrackSink {
  readonly timeline: Timeline;
  readonly track: PlacedTrack;
  now(): number;
  /** False once the recording has finished: frames still pass through, unrecorded. */
  recording(): boolean;
}

/** One segment of agent speech (from its first frame to its flush or finish), as captured. */
interface Segment {
  /** Its frames joined as mono, in a buffer that grows by doubling; `length` samples are filled. */
  pcm: Int16Array;
  length: number;
  /** The rate of its first frame (a TTS keeps one rate for a segment). */
  sampleRateHz?: number;
  /** When its first frame came in: the recording holds the timeline open from here until it settles. */
  sinceMs: number;
  /** When the sink said it began to play. */
  startedAtMs?: number;
  /** Whether the sink reported any played run of it (then its finish adds nothing). */
  reported: boolean;
  /** Whether the wrapped output counted it; one it never counted will never finish by itself. */
  acceptedDownstream: boolean;
  /** Where the next played run lands if it follows on directly: source sample, and track index. */
  next?: { source: number; index: number };
}

export class RecordingAudioOutput extends AudioOutput {
  private readonly sink: AgentTrackSink;
  private readonly wrapped: AudioOutput;
  /** Segments not yet finished, oldest first; the sink's reports are about the oldest. */
  private segments: Segment[] = [];
  private current?: Segment;
  private settledWaiters: Array<() => void> = [];

  constructor(wrapped: AudioOutput, sink: AgentTrackSink) {
    // pause support is whatever the wrapped output has (canPause asks down the chain)
    super(wrapped.sampleRate, wrapped, { pause: true });
    this.wrapped = wrapped;
    this.sink = sink;
  }

  /** When the oldest unsettled segment began, while any is in flight. */
  get pendingSinceMs(): number | undefined {
    return this.segments[0]?.sinceMs;
  }

  /** Resolves once no segment is in flight. */
  whenSettled(): Promise<void> {
    if (this.segments.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    const before = this.capturedPlayoutSegments;
    await super.captureFrame(frame);
    if (this.capturedPlayoutSegments > before) {
      this.current = { pcm: new Int16Array(0), length: 0, sinceMs: this.sink.now(), reported: false, acceptedDownstream: false };
      this.segments.push(this.current);
    }
    const segment = this.current;
    // kept before forwarding: the sink may report the frame played before its capture returns
    if (segment && this.sink.recording()) append(segment, frame);
    const downstreamBefore = this.wrapped.capturedPlayoutSegments;
    try {
      await this.wrapped.captureFrame(frame);
    } finally {
      if (segment && this.wrapped.capturedPlayoutSegments > downstreamBefore) segment.acceptedDownstream = true;
    }
  }

  override flush(): void {
    super.flush();
    this.current = undefined;
    this.wrapped.flush();
  }

  override clearBuffer(): void {
    this.wrapped.clearBuffer();
  }

  override async waitForPlayout(): Promise<PlaybackFinishedEvent> {
    // A segment the wrapped output dropped without counting (a frame that arrived after a
    // barge-in) gets no finish from it; settle those here, as the library's own wrappers do, or
    // the wait would never end.
    let drift = this.pendingPlayoutSegments - this.wrapped.pendingPlayoutSegments;
    while (drift-- > 0) {
      const index = this.segments.findIndex((s) => !s.acceptedDownstream && s !== this.current);
      if (index < 0) break;
      this.segments.splice(index, 1);
      super.onPlaybackFinished({ playbackPosition: 0, interrupted: true });
    }
    this.notifyIfSettled();
    return super.waitForPlayout();
  }

  override onPlaybackStarted(createdAt: number): void {
    super.onPlaybackStarted(createdAt);
    const segment = this.segments.find((s) => s.startedAtMs === undefined);
    if (segment) segment.startedAtMs = createdAt;
  }

  override onPlaybackProgressed(ev: PlaybackProgressedEvent): void {
    super.onPlaybackProgressed(ev);
    const segment = this.segments[0];
    if (!segment) return;
    segment.reported = true;
    this.place(segment, ev.startedAt, ev.offset, ev.duration);
  }

  override onPlaybackFinished(ev: PlaybackFinishedEvent): void {
    const segment = this.segments.shift();
    if (segment && !segment.reported) {
      const playedMs = ev.playbackPosition * 1000;
      this.place(segment, segment.startedAtMs ?? this.sink.now() - playedMs, 0, playedMs);
    }
    if (segment && segment === this.current) {
      // finished before it was flushed (the sink gave up on it): the next frame opens a new one
      this.current = undefined;
      this.abandonOpenSegment();
    }
    super.onPlaybackFinished(ev);
    this.notifyIfSettled();
  }

  /** Puts the segment's audio from `offsetMs` for `durationMs` on the agent track at `startedAtMs`. */
  private place(segment: Segment, startedAtMs: number, offsetMs: number, durationMs: number): void {
    const rate = segment.sampleRateHz;
    if (rate === undefined || durationMs <= 0 || !this.sink.recording()) return;
    const lo = Math.round((offsetMs / 1000) * rate);
    const hi = Math.min(segment.length, Math.round(((offsetMs + durationMs) / 1000) * rate));
    if (hi <= lo) return;
    const { timeline, track } = this.sink;
    const { from, to } = outputSpan(lo, hi, rate, timeline.rateHz);
    // a run that follows the last one directly stays contiguous, whatever rounding says
    let index = timeline.indexAt(startedAtMs);
    const next = segment.next;
    if (next && next.source === lo && Math.abs(index - next.index) <= (resyncToleranceMs / 1000) * timeline.rateHz) index = next.index;
    const samples = resampleRange(segment.pcm.subarray(0, segment.length), rate, timeline.rateHz, from, to);
    track.add(index, samples);
    segment.next = { source: hi, index: index + samples.length };
  }

  private notifyIfSettled(): void {
    if (this.segments.length > 0) return;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }
}

function append(segment: Segment, frame: AudioFrame): void {
  segment.sampleRateHz ??= frame.sampleRate;
  const mono = monoSamples(frame);
  if (segment.length + mono.length > segment.pcm.length) {
    const grown = new Int16Array(Math.max(2 * segment.pcm.length, segment.length + mono.length, 4800));
    grown.set(segment.pcm.subarray(0, segment.length));
    segment.pcm = grown;
  }
  segment.pcm.set(mono, segment.length);
  segment.length += mono.length;
}
