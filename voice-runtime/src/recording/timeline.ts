// The call's timeline: sample index 0 is the moment the recorder started, and both tracks place
// their audio on it by wall-clock time, so the user's and the agent's voices line up in the mix.
import type { AudioFrame } from "@livekit/rtc-node";
import { StreamResampler } from "./resample.ts";

/**
 * A stream stays one run while the time it claims stays this close to where its samples put it;
 * beyond that it is re-anchored, so a drifting or stalled source cannot slide the whole track.
 */
export const resyncToleranceMs = 100;
/**
 * Frames arriving faster than real time (a burst after a network stall) stay contiguous up to
 * this far ahead of their arrival, instead of being re-anchored on top of one another.
 */
export const burstToleranceMs = 2000;

export class Timeline {
  readonly rateHz: number;
  readonly startMs: number;

  constructor(rateHz: number, startMs: number) {
    this.rateHz = rateHz;
    this.startMs = startMs;
  }

  indexAt(ms: number): number {
    return Math.round(((ms - this.startMs) / 1000) * this.rateHz);
  }

  msAt(index: number): number {
    return this.startMs + (index / this.rateHz) * 1000;
  }
}

/** One track: blocks of audio (full scale 1) at absolute sample indices, read out in order. */
export class PlacedTrack {
  private blocks: Array<{ start: number; samples: Float32Array }> = [];
  /** Everything before this has been read out. */
  private readUpTo = 0;
  /** Samples that arrived for a stretch already read out, and so are missing from the recording. */
  droppedSamples = 0;

  add(start: number, samples: Float32Array): void {
    if (samples.length === 0) return;
    const late = Math.min(samples.length, Math.max(0, this.readUpTo - start));
    // audio from before the recording began is not missing from it
    this.droppedSamples += late - Math.min(late, Math.max(0, -start));
    if (late < samples.length) this.blocks.push({ start: start + late, samples: samples.subarray(late) });
  }

  /** The track over `[start, end)`, silent wherever nothing was placed; overlapping audio adds up. */
  take(start: number, end: number): Float32Array {
    const out = new Float32Array(Math.max(0, end - start));
    const keep: typeof this.blocks = [];
    for (const block of this.blocks) {
      const stop = block.start + block.samples.length;
      const lo = Math.max(block.start, start);
      const hi = Math.min(stop, end);
      for (let i = lo; i < hi; i++) out[i - start]! += block.samples[i - block.start]!;
      if (stop <= end) continue;
      keep.push(block.start >= end ? block : { start: end, samples: block.samples.subarray(end - block.start) });
    }
    this.blocks = keep;
    this.readUpTo = Math.max(this.readUpTo, end);
    return out;
  }
}

/** The frame's audio as one mono channel (channels averaged). */
export function monoSamples(frame: AudioFrame): Int16Array {
  if (frame.channels === 1) return frame.data.subarray(0, frame.samplesPerChannel);
  const mono = new Int16Array(frame.samplesPerChannel);
  for (let i = 0; i < frame.samplesPerChannel; i++) {
    let sum = 0;
    for (let ch = 0; ch < frame.channels; ch++) sum += frame.data[i * frame.channels + ch]!;
    mono[i] = Math.round(sum / frame.channels);
  }
  return mono;
}

/**
 * Places a live stream (the user's microphone) on a track: frames are timed by when they arrived,
 * contiguous frames are kept contiguous whatever the arrival jitter, and each run is resampled
 * as one piece.
 */
export class StreamPlacer {
  private readonly timeline: Timeline;
  private readonly track: PlacedTrack;
  private resampler?: StreamResampler;
  private runStartMs = 0;
  private runStartIndex = 0;
  /** Source samples in the open run, and output samples placed for it. */
  private runInput = 0;
  private runOutput = 0;

  constructor(timeline: Timeline, track: PlacedTrack) {
    this.timeline = timeline;
    this.track = track;
  }

  /** Wall time up to which the open run's audio is on the track (resampling holds back a little). */
  get placedUntilMs(): number | undefined {
    return this.resampler ? this.timeline.msAt(this.runStartIndex + this.runOutput) : undefined;
  }

  push(startedAtMs: number, frame: AudioFrame): void {
    const rate = frame.sampleRate;
    const expectedMs = this.runStartMs + (this.runInput / (this.resampler?.srcRateHz ?? rate)) * 1000;
    const driftMs = startedAtMs - expectedMs;
    if (!this.resampler || this.resampler.srcRateHz !== rate || driftMs > resyncToleranceMs || driftMs < -burstToleranceMs) {
      this.end();
      this.resampler = new StreamResampler(rate, this.timeline.rateHz);
      this.runStartMs = startedAtMs;
      this.runStartIndex = this.timeline.indexAt(startedAtMs);
    }
    this.runInput += frame.samplesPerChannel;
    this.place(this.resampler.push(monoSamples(frame)));
  }

  /** Closes the open run, placing the tail the resampler held back. */
  end(): void {
    if (!this.resampler) return;
    this.place(this.resampler.end());
    this.resampler = undefined;
    this.runInput = this.runOutput = 0;
  }

  private place(samples: Float32Array): void {
    this.track.add(this.runStartIndex + this.runOutput, samples);
    this.runOutput += samples.length;
  }
}
