// Records a call as three WAV files written while it runs — the user, the agent, and the two mixed —
// on one wall-clock timeline, so the agent's voice sits where the caller heard it. Every second the
// stretch of timeline both tracks can account for is settled and appended to the files (headers
// patched), so a crash loses only the unsettled tail. The user's track is settled as its audio
// arrives; the agent's only once the output has said what of its speech played, which for a sink
// that reports at the end of each utterance holds the files back for the length of one utterance.
import type { AudioInput, AudioOutput } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { WavWriter } from "../audio/wav.ts";
import { errorFields, log } from "../log.ts";
import { claimRecordingDir } from "./delivery.ts";
import { RecordingAudioInput } from "./input.ts";
import { RecordingAudioOutput } from "./output.ts";
import { PeakMeter } from "./peaks.ts";
import { PlacedTrack, StreamPlacer, Timeline } from "./timeline.ts";

export type RecordingTrackName = "composite" | "user" | "agent";

export interface CallRecorderOptions {
  /** Created if missing; receives user.wav, agent.wav and composite.wav. */
  dir: string;
  sampleRateHz?: number;
  /** Wall clock in ms; the outputs' playback reports must be on the same clock. */
  now?: () => number;
  flushIntervalMs?: number;
}

export interface RecordedTrack {
  track: RecordingTrackName;
  path: string;
  sizeBytes: number;
}

export interface RecordingResult {
  durationMs: number;
  tracks: RecordedTrack[];
  /** The composite's waveform: at most 4000 values in [0, 1], each the loudest sample of its stretch. */
  peaks: number[];
}

export const waveformMaxPeaks = 4000;
/** Input that stopped arriving is taken as silence after this long, so a muted mic cannot hold the files back. */
const inputStallMs = 1000;
/** How long `finish` waits for the agent's last words to be reported played. */
const finishPlayoutWaitMs = 2000;
/** An agent segment that has said nothing for this long no longer holds the files back. */
const maxPendingHoldMs = 120_000;
const trackNames: RecordingTrackName[] = ["composite", "user", "agent"];

export class CallRecorder {
  readonly dir: string;
  readonly sampleRateHz: number;
  /** Wall time of sample 0 of every track. */
  readonly startedAtMs: number;
  private readonly now: () => number;
  private readonly timeline: Timeline;
  private readonly user = new PlacedTrack();
  private readonly agent = new PlacedTrack();
  private readonly userPlacer: StreamPlacer;
  private readonly outputs: RecordingAudioOutput[] = [];
  private readonly peaks: PeakMeter;
  private readonly writers: Promise<Record<RecordingTrackName, WavWriter>>;
  private readonly timer: NodeJS.Timeout;
  private lastInputAtMs?: number;
  /** Sample index up to which the files have been written. */
  private cursor = 0;
  private writing: Promise<void> = Promise.resolve();
  private active = true;
  private warnedWriteFailure = false;
  private finished?: Promise<RecordingResult>;

  constructor(options: CallRecorderOptions) {
    this.dir = options.dir;
    this.sampleRateHz = options.sampleRateHz ?? 16000;
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
    this.timeline = new Timeline(this.sampleRateHz, this.startedAtMs);
    this.userPlacer = new StreamPlacer(this.timeline, this.user);
    // 1 ms blocks: short recordings still get a detailed waveform
    this.peaks = new PeakMeter(waveformMaxPeaks, Math.max(1, Math.round(this.sampleRateHz / 1000)));
    this.writers = this.openWriters();
    this.writers.catch((err: unknown) => {
      // nowhere to write: stop collecting audio (finish() reports the failure)
      this.active = false;
      log.warn("recording: cannot create the recording's files; not recording", { dir: this.dir, ...errorFields(err) });
    });
    this.timer = setInterval(() => void this.writeSettled(false), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** An input that passes the user's audio on and records it. */
  wrapInput(input: AudioInput): AudioInput {
    return new RecordingAudioInput(input, (frame) => this.onUserFrame(frame));
  }

  /** An output in front of `output` that forwards everything to it and records what played. */
  wrapOutput(output: AudioOutput): AudioOutput {
    const wrapped = new RecordingAudioOutput(output, {
      timeline: this.timeline,
      track: this.agent,
      now: this.now,
      recording: () => this.active,
    });
    this.outputs.push(wrapped);
    return wrapped;
  }

  /**
   * Stops recording (audio keeps flowing through the wrappers), writes the rest and closes the
   * files. Waits briefly for the agent's last words to be reported played. Idempotent.
   */
  finish(): Promise<RecordingResult> {
    this.finished ??= this.finishOnce();
    return this.finished;
  }

  private async finishOnce(): Promise<RecordingResult> {
    clearInterval(this.timer);
    if (this.active) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(this.outputs.map((o) => o.whenSettled())),
        new Promise((resolve) => (timeout = setTimeout(resolve, finishPlayoutWaitMs))),
      ]);
      clearTimeout(timeout);
    }
    this.active = false;
    this.userPlacer.end();
    await this.writeSettled(true);
    const writers = await this.writers;
    await Promise.all(trackNames.map((name) => writers[name].close()));
    for (const [name, track] of [["user", this.user], ["agent", this.agent]] as const) {
      if (track.droppedSamples > 0) log.warn("recording: audio arrived after its stretch was written; dropped", { track: name, samples: track.droppedSamples });
    }
    const tracks = await Promise.all(
      trackNames.map(async (track) => ({ track, path: writers[track].path, sizeBytes: (await stat(writers[track].path)).size })),
    );
    return { durationMs: Math.round((this.cursor / this.sampleRateHz) * 1000), tracks, peaks: this.peaks.result() };
  }

  private async openWriters(): Promise<Record<RecordingTrackName, WavWriter>> {
    await mkdir(this.dir, { recursive: true });
    // the files are this process's while it records: the sweeper leaves them to it
    await claimRecordingDir(this.dir);
    const [composite, user, agent] = await Promise.all(trackNames.map((name) => WavWriter.create(join(this.dir, `${name}.wav`), this.sampleRateHz)));
    return { composite: composite!, user: user!, agent: agent! };
  }

  private onUserFrame(frame: AudioFrame): void {
    if (!this.active) return;
    const nowMs = this.now();
    this.lastInputAtMs = nowMs;
    // frames carry no capture time: one that just arrived began its duration ago
    this.userPlacer.push(nowMs - (frame.samplesPerChannel / frame.sampleRate) * 1000, frame);
  }

  /** Up to where both tracks hold everything they are going to. */
  private settledUntilMs(): number {
    const nowMs = this.now();
    if (this.lastInputAtMs === undefined || nowMs - this.lastInputAtMs > inputStallMs) {
      // the input went quiet: its held-back tail is all it will get
      this.userPlacer.end();
    }
    // never past now: agent audio for a later moment may yet be reported
    let until = Math.min(nowMs, Math.max(this.userPlacer.placedUntilMs ?? 0, nowMs - inputStallMs));
    for (const output of this.outputs) {
      const since = output.pendingSinceMs;
      if (since !== undefined && nowMs - since < maxPendingHoldMs) until = Math.min(until, since);
    }
    return until;
  }

  /** Appends the settled stretch (everything, when final) to the files and flushes them. */
  private writeSettled(final: boolean): Promise<void> {
    const run = this.writing.then(async () => {
      const writers = await this.writers;
      const end = this.timeline.indexAt(final ? this.now() : this.settledUntilMs());
      if (end > this.cursor) this.appendBlock(writers, this.cursor, end);
      this.cursor = Math.max(this.cursor, end);
      await Promise.all(trackNames.map((name) => writers[name].flush()));
    });
    this.writing = run.catch((err: unknown) => {
      if (final || this.warnedWriteFailure) return;
      this.warnedWriteFailure = true;
      log.warn("recording: writing the call's audio failed", { dir: this.dir, ...errorFields(err) });
    });
    return final ? run : this.writing;
  }

  private appendBlock(writers: Record<RecordingTrackName, WavWriter>, start: number, end: number): void {
    const user = toPcm(this.user.take(start, end));
    const agent = toPcm(this.agent.take(start, end));
    const composite = new Int16Array(user.length);
    for (let i = 0; i < composite.length; i++) composite[i] = clamp16(user[i]! + agent[i]!);
    writers.user.write(user);
    writers.agent.write(agent);
    writers.composite.write(composite);
    this.peaks.add(composite);
  }
}

function clamp16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

function toPcm(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = clamp16(Math.round(samples[i]! * 32768));
  return out;
}
