import { AudioInput, AudioOutput } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReadableStream } from "node:stream/web";
import type { ReadableStreamDefaultController } from "node:stream/web";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readWav } from "../audio/wav.ts";
import { CallRecorder } from "./recorder.ts";

const rateHz = 16000;
let dir: string;
let clockMs: number;
const now = (): number => clockMs;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "recorder-"));
  clockMs = 1_700_000_000_000;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A microphone the test speaks into. */
class FakeMic extends AudioInput {
  private controller!: ReadableStreamDefaultController<AudioFrame>;

  constructor() {
    super();
    this.multiStream.addInputStream(new ReadableStream<AudioFrame>({ start: (c) => void (this.controller = c) }));
  }

  push(frame: AudioFrame): void {
    this.controller.enqueue(frame);
  }
}

/**
 * A speaker on the test's clock that reports like a real sink: playback starts with a segment's
 * first frame and runs in real time; flush() lets it play out (reported by `playOut`), and
 * clearBuffer() stops it where the clock says it got to.
 */
class FakeSpeaker extends AudioOutput {
  private readonly reportsProgress: boolean;
  private startedAtMs?: number;
  private pushedMs = 0;

  constructor(reportsProgress: boolean) {
    super(24000);
    this.reportsProgress = reportsProgress;
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    await super.captureFrame(frame);
    if (this.startedAtMs === undefined) {
      this.startedAtMs = now();
      this.onPlaybackStarted(this.startedAtMs);
    }
    this.pushedMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
  }

  /** The segment has played to its end. */
  playOut(): void {
    this.finish(this.pushedMs, false);
  }

  override clearBuffer(): void {
    if (this.startedAtMs === undefined) return;
    this.finish(Math.min(this.pushedMs, now() - this.startedAtMs), true);
  }

  private finish(playedMs: number, interrupted: boolean): void {
    const startedAt = this.startedAtMs!;
    this.startedAtMs = undefined;
    this.pushedMs = 0;
    if (this.reportsProgress) this.onPlaybackProgressed({ startedAt, offset: 0, duration: playedMs });
    this.onPlaybackFinished({ playbackPosition: playedMs / 1000, interrupted });
  }
}

/** `durationMs` of a tone, as frames of `frameMs`; cosine so it starts at its peak. */
function toneFrames(opts: { rateHz: number; hz: number; amplitude: number; durationMs: number; frameMs?: number }): AudioFrame[] {
  const perFrame = (opts.rateHz * (opts.frameMs ?? 20)) / 1000;
  const total = (opts.rateHz * opts.durationMs) / 1000;
  const frames: AudioFrame[] = [];
  for (let start = 0; start < total; start += perFrame) {
    const data = new Int16Array(perFrame);
    for (let i = 0; i < perFrame; i++) data[i] = Math.round(opts.amplitude * 32767 * Math.cos((2 * Math.PI * opts.hz * (start + i)) / opts.rateHz));
    frames.push(new AudioFrame(data, opts.rateHz, 1, perFrame));
  }
  return frames;
}

/** Speaks `frames` into the mic in real time on the test clock, running `at[ms]` when the clock gets there. */
async function speak(mic: FakeMic, input: AudioInput, frames: AudioFrame[], at: Record<number, () => Promise<void> | void> = {}): Promise<void> {
  const reader = input.stream.getReader();
  const startMs = clockMs;
  for (const frame of frames) {
    await at[clockMs - startMs]?.();
    clockMs += (frame.samplesPerChannel * 1000) / frame.sampleRate;
    mic.push(frame);
    // the session reads it: by then the recorder has seen it, at this time
    await reader.read();
  }
  reader.releaseLock();
}

async function say(output: AudioOutput, frames: AudioFrame[]): Promise<void> {
  for (const frame of frames) await output.captureFrame(frame);
  output.flush();
}

function firstLoud(samples: Int16Array, threshold: number, from = 0): number {
  for (let i = from; i < samples.length; i++) if (Math.abs(samples[i]!) >= threshold) return i;
  return -1;
}

function lastLoud(samples: Int16Array, threshold: number): number {
  for (let i = samples.length - 1; i >= 0; i--) if (Math.abs(samples[i]!) >= threshold) return i;
  return -1;
}

function peakOf(samples: Int16Array, from = 0, to = samples.length): number {
  let peak = 0;
  for (let i = from; i < to; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  return peak;
}

describe("CallRecorder", () => {
  it("places the agent's voice where it played on the call's timeline, alongside the user's", async () => {
    const recorder = new CallRecorder({ dir, sampleRateHz: rateHz, now });
    const mic = new FakeMic();
    const input = recorder.wrapInput(mic);
    const speaker = new FakeSpeaker(true);
    const output = recorder.wrapOutput(speaker);
    // the user speaks for 3 s at 48 kHz; the agent answers at 1 s with 1 s of speech at 24 kHz
    await speak(mic, input, toneFrames({ rateHz: 48000, hz: 300, amplitude: 0.25, durationMs: 3000 }), {
      1000: () => say(output, toneFrames({ rateHz: 24000, hz: 1000, amplitude: 0.5, durationMs: 1000 })),
      2000: () => speaker.playOut(),
    });
    const result = await recorder.finish();

    const user = readWav(join(dir, "user.wav"));
    const agent = readWav(join(dir, "agent.wav"));
    const composite = readWav(join(dir, "composite.wav"));
    for (const wav of [user, agent, composite]) {
      expect(wav).toMatchObject({ sampleRateHz: rateHz, channels: 1 });
      expect(wav.samples.length).toBe(3 * rateHz);
    }
    // the tones start at their peak, so half the amplitude marks the onset to a sample or two
    expect(Math.abs(firstLoud(agent.samples, 0.25 * 32767) - rateHz)).toBeLessThanOrEqual(2);
    expect(Math.abs(lastLoud(agent.samples, 0.25 * 32767) - 2 * rateHz)).toBeLessThanOrEqual(2);
    expect(Math.abs(firstLoud(user.samples, 0.125 * 32767))).toBeLessThanOrEqual(2);
    expect(peakOf(user.samples)).toBeGreaterThan(0.24 * 32767);
    expect(peakOf(agent.samples)).toBeGreaterThan(0.49 * 32767);
    // the mix is the sum of the two, sample for sample
    for (const i of [100, 8000, 20000, 40000]) expect(Math.abs(composite.samples[i]! - (user.samples[i]! + agent.samples[i]!))).toBeLessThanOrEqual(1);

    expect(result.durationMs).toBe(3000);
    expect(result.tracks.map((t) => t.track)).toEqual(["composite", "user", "agent"]);
    for (const track of result.tracks) {
      expect(track.path).toBe(join(dir, `${track.track}.wav`));
      expect(track.sizeBytes).toBe(44 + 3 * rateHz * 2);
      expect((await stat(track.path)).size).toBe(track.sizeBytes);
    }
    // sox reads what we wrote the same way (when sox is installed)
    const sox = soxInfo(join(dir, "composite.wav"));
    if (sox) expect(sox).toEqual({ rate: "16000", channels: "1", samples: String(3 * rateHz) });
  });

  it("leaves out the agent's speech that a barge-in cleared before it played", async () => {
    const recorder = new CallRecorder({ dir, sampleRateHz: rateHz, now });
    const mic = new FakeMic();
    const input = recorder.wrapInput(mic);
    const output = recorder.wrapOutput(new FakeSpeaker(true));
    // 2 s of agent speech from 0.5 s, cut off by the user at 1.2 s
    await speak(mic, input, toneFrames({ rateHz: 16000, hz: 200, amplitude: 0.001, durationMs: 2500 }), {
      500: () => say(output, toneFrames({ rateHz: 24000, hz: 800, amplitude: 0.5, durationMs: 2000 })),
      1200: () => output.clearBuffer(),
    });
    await recorder.finish();

    const agent = readWav(join(dir, "agent.wav"));
    expect(Math.abs(firstLoud(agent.samples, 0.25 * 32767) - 0.5 * rateHz)).toBeLessThanOrEqual(2);
    expect(Math.abs(lastLoud(agent.samples, 0.25 * 32767) - 1.2 * rateHz)).toBeLessThanOrEqual(2);
    // after the cut, nothing but the resampling filter's ring-out
    expect(peakOf(agent.samples, 1.2 * rateHz + 20)).toBeLessThan(0.01 * 32767);
  });

  it("uses the segment's start and finish when the output reports no played runs", async () => {
    const recorder = new CallRecorder({ dir, sampleRateHz: rateHz, now });
    const mic = new FakeMic();
    const input = recorder.wrapInput(mic);
    const output = recorder.wrapOutput(new FakeSpeaker(false));
    await speak(mic, input, toneFrames({ rateHz: 16000, hz: 200, amplitude: 0.001, durationMs: 2000 }), {
      400: () => say(output, toneFrames({ rateHz: 24000, hz: 800, amplitude: 0.5, durationMs: 1000 })),
      1000: () => output.clearBuffer(),
    });
    await recorder.finish();

    const agent = readWav(join(dir, "agent.wav"));
    expect(Math.abs(firstLoud(agent.samples, 0.25 * 32767) - 0.4 * rateHz)).toBeLessThanOrEqual(2);
    expect(Math.abs(lastLoud(agent.samples, 0.25 * 32767) - 1.0 * rateHz)).toBeLessThanOrEqual(2);
  });

  it("forwards the agent's audio and the sink's playback events unchanged", async () => {
    const recorder = new CallRecorder({ dir, sampleRateHz: rateHz, now });
    const speaker = new FakeSpeaker(true);
    const output = recorder.wrapOutput(speaker);
    const seen: string[] = [];
    output.on(AudioOutput.EVENT_PLAYBACK_STARTED, () => seen.push("started"));
    output.on(AudioOutput.EVENT_PLAYBACK_PROGRESSED, () => seen.push("progressed"));
    output.on(AudioOutput.EVENT_PLAYBACK_FINISHED, () => seen.push("finished"));
    await say(output, toneFrames({ rateHz: 24000, hz: 800, amplitude: 0.5, durationMs: 200 }));
    clockMs += 200;
    speaker.playOut();
    expect(await output.waitForPlayout()).toEqual({ playbackPosition: 0.2, interrupted: false });
    expect(seen).toEqual(["started", "progressed", "finished"]);
    await recorder.finish();
  });

  it("summarises the mix as at most 4000 peaks in [0, 1]", async () => {
    const recorder = new CallRecorder({ dir, sampleRateHz: rateHz, now });
    const mic = new FakeMic();
    const input = recorder.wrapInput(mic);
    // 5 s: quiet, then loud
    await speak(mic, input, [
      ...toneFrames({ rateHz: 16000, hz: 200, amplitude: 0.1, durationMs: 2500 }),
      ...toneFrames({ rateHz: 16000, hz: 200, amplitude: 0.8, durationMs: 2500 }),
    ]);
    const { peaks, durationMs } = await recorder.finish();
    expect(durationMs).toBe(5000);
    expect(peaks.length).toBeGreaterThan(1000);
    expect(peaks.length).toBeLessThanOrEqual(4000);
    expect(peaks.every((p) => p >= 0 && p <= 1)).toBe(true);
    const half = Math.floor(peaks.length / 2);
    expect(Math.max(...peaks.slice(0, half - 2))).toBeCloseTo(0.1, 2);
    expect(Math.max(...peaks.slice(half + 2))).toBeCloseTo(0.8, 2);
  });

  it("waits for the agent's last words to be reported played before closing the files", async () => {
    const recorder = new CallRecorder({ dir, sampleRateHz: rateHz, now });
    const speaker = new FakeSpeaker(true);
    const output = recorder.wrapOutput(speaker);
    clockMs += 500;
    await say(output, toneFrames({ rateHz: 24000, hz: 800, amplitude: 0.5, durationMs: 300 }));
    clockMs += 300;
    // the sink reports the segment played only after the call ended
    setTimeout(() => speaker.playOut(), 50);
    const result = await recorder.finish();
    expect(result.durationMs).toBe(800);
    const agent = readWav(join(dir, "agent.wav"));
    expect(Math.abs(firstLoud(agent.samples, 0.25 * 32767) - 0.5 * rateHz)).toBeLessThanOrEqual(2);
  });

  it("keeps the call's audio flowing when the recording cannot be written, and says why at the end", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const blocker = join(dir, "a-file");
      await writeFile(blocker, "");
      const recorder = new CallRecorder({ dir: join(blocker, "recording"), sampleRateHz: rateHz, now });
      const mic = new FakeMic();
      const input = recorder.wrapInput(mic);
      const output = recorder.wrapOutput(new FakeSpeaker(true));
      await speak(mic, input, toneFrames({ rateHz: 16000, hz: 200, amplitude: 0.5, durationMs: 200 }));
      await say(output, toneFrames({ rateHz: 24000, hz: 800, amplitude: 0.5, durationMs: 100 }));
      await expect(recorder.finish()).rejects.toThrow(/ENOTDIR/);
      expect(stderr.mock.calls.map(([line]) => String(line)).join("")).toContain("not recording");
    } finally {
      stderr.mockRestore();
    }
  });

  it("writes the call to disk while it runs, not only at the end", async () => {
    // the real clock and the real flush interval
    const recorder = new CallRecorder({ dir, sampleRateHz: rateHz, flushIntervalMs: 200 });
    const mic = new FakeMic();
    const input = recorder.wrapInput(mic);
    const reader = input.stream.getReader();
    for (const frame of toneFrames({ rateHz: 16000, hz: 200, amplitude: 0.5, durationMs: 300 })) {
      mic.push(frame);
      await reader.read();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const early = readWav(join(dir, "user.wav"));
    // all but the few ms that arrived before the recorder's first moment
    expect(early.samples.length).toBeGreaterThanOrEqual(0.25 * rateHz);
    expect(peakOf(early.samples)).toBeGreaterThan(0.49 * 32767);
    reader.releaseLock();
    await recorder.finish();
  });
});

function soxInfo(path: string): { rate: string; channels: string; samples: string } | undefined {
  try {
    const info = (flag: string): string => execFileSync("sox", ["--i", flag, path], { encoding: "utf8" }).trim();
    return { rate: info("-r"), channels: info("-c"), samples: info("-s") };
  } catch {
    return undefined;
  }
}
