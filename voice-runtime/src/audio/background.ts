// Background beds mixed under the agent's voice. "office" is the recording @livekit/agents ships
// (resources/office-ambience.ogg), decoded once per sample rate by the library's own decoder (the
// ffmpeg binary bundled in @livekit/av) and looped with a crossfaded seam. The other sounds have no
// recording to hand, so they are SYNTHESISED, not recorded: shaped noise beds with slow modulation
// and sparse events (murmur of voices, typing, cups, passing cars, wind, birds), generated sample by
// sample forever, so they never repeat and have no seam. Every bed is levelled to about the same
// loudness (RMS ≈ 0.1 of full scale); the caller applies the volume.
import { audioFramesFromFile, voice } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { errorFields, log } from "../log.ts";
import type { BackgroundSource } from "./types.ts";
import { cafeBed, callCenterBed, natureBed, officeBed, streetBed, synthSource } from "./ambience-synth.ts";

export const backgroundSounds = ["office", "cafe", "call-center", "street", "nature"] as const;
export type BackgroundSoundName = (typeof backgroundSounds)[number];

export class UnknownBackgroundSoundError extends Error {
  override name = "UnknownBackgroundSoundError";
  readonly sound: string;

  constructor(sound: string) {
    super(`unknown background sound "${sound}"; expected none or ${backgroundSounds.join(", ")}`);
    this.sound = sound;
  }
}

const targetRms = 0.1;
const clipCrossfadeMs = 500;
const fadeInMs = 50;

/**
 * The bed for `sound` at `sampleRateHz`; null for "none". A recorded bed still being decoded
 * reads as silence and fades in once ready (`preloadBackgroundClips` avoids the wait).
 */
export function createBackgroundSource(sound: string, sampleRateHz: number, options: { seed?: number } = {}): BackgroundSource | null {
  if (sound === "none") return null;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  switch (sound) {
    case "office":
      return new ClipSource(sampleRateHz, loadClip(voice.BuiltinAudioClip.OFFICE_AMBIENCE, sampleRateHz), () => synthSource(officeBed, sampleRateHz, seed));
    case "cafe":
      return synthSource(cafeBed, sampleRateHz, seed);
    case "call-center":
      return synthSource(callCenterBed, sampleRateHz, seed);
    case "street":
      return synthSource(streetBed, sampleRateHz, seed);
    case "nature":
      return synthSource(natureBed, sampleRateHz, seed);
    default:
      throw new UnknownBackgroundSoundError(sound);
  }
}

/** Decodes the recorded beds for `sampleRateHz` ahead of the first call that needs them. */
export async function preloadBackgroundClips(sampleRateHz: number): Promise<void> {
  await loadClip(voice.BuiltinAudioClip.OFFICE_AMBIENCE, sampleRateHz).loading.catch(() => undefined);
}

/**
 * The bed as frames at `volume`, as fast as they are pulled: the consumer sets the pace (LiveKit's
 * BackgroundAudioPlayer takes an AsyncIterable<AudioFrame> and its AudioSource plays it in real
 * time; its mixer runs at 48 kHz mono, so create the source at that rate for it).
 */
export async function* backgroundFrames(source: BackgroundSource, options: { volume: number; frameMs?: number; signal?: AbortSignal }): AsyncGenerator<AudioFrame> {
  const perFrame = Math.round((source.sampleRateHz * (options.frameMs ?? 20)) / 1000);
  const volume = Math.max(0, options.volume);
  while (!options.signal?.aborted) {
    const block = source.read(perFrame);
    const data = new Int16Array(perFrame);
    for (let i = 0; i < perFrame; i++) data[i] = Math.max(-32768, Math.min(32767, Math.round(block[i]! * volume)));
    yield new AudioFrame(data, source.sampleRateHz, 1, perFrame);
  }
}

// ---- Recorded beds ----------------------------------------------------------------------------

/** Decoded loops by clip and rate: the decode in flight, and once done the loop itself. */
const clips = new Map<string, { loading: Promise<Int16Array>; loop?: Int16Array }>();

function loadClip(clip: voice.BuiltinAudioClip, sampleRateHz: number): { loading: Promise<Int16Array>; loop?: Int16Array } {
  const key = `${clip}@${sampleRateHz}`;
  let entry = clips.get(key);
  if (!entry) {
    const loading = decodeClip(voice.getBuiltinAudioPath(clip), sampleRateHz).then((samples) => loopClip(levelled(samples), sampleRateHz));
    const created: { loading: Promise<Int16Array>; loop?: Int16Array } = { loading };
    loading.then((loop) => void (created.loop = loop), () => undefined);
    clips.set(key, (entry = created));
  }
  return entry;
}

async function decodeClip(path: string, sampleRateHz: number): Promise<Float32Array> {
  const parts: Int16Array[] = [];
  for await (const frame of audioFramesFromFile(path, { sampleRate: sampleRateHz, numChannels: 1 })) parts.push(frame.data.slice());
  const length = parts.reduce((n, p) => n + p.length, 0);
  // the decoder logs its failure and ends the stream early; too short a clip is that failure
  if (length < sampleRateHz) throw new Error(`could not decode ${path}`);
  const out = new Float32Array(length);
  let at = 0;
  for (const part of parts) for (let i = 0; i < part.length; i++) out[at++] = part[i]!;
  return out;
}

/** Scales to the common loudness, without letting a peak clip. */
function levelled(samples: Float32Array): Float32Array {
  let sum = 0;
  let peak = 0;
  for (const s of samples) {
    sum += s * s;
    peak = Math.max(peak, Math.abs(s));
  }
  const rms = Math.sqrt(sum / samples.length) || 1;
  const gain = Math.min((targetRms * 32767) / rms, (0.95 * 32767) / (peak || 1));
  return samples.map((s) => s * gain);
}

/**
 * A loop of the clip whose end runs into its start: the clip's last `crossfadeMs` fade out while its
 * first fade in (equal power, as ambience is uncorrelated noise) and the loop starts just after.
 */
export function loopClip(samples: Float32Array, sampleRateHz: number, crossfadeMs = clipCrossfadeMs): Int16Array {
  const fade = Math.min(Math.floor(samples.length / 3), Math.round((sampleRateHz * crossfadeMs) / 1000));
  const loop = new Int16Array(samples.length - fade);
  for (let i = 0; i < loop.length; i++) {
    let v = samples[fade + i]!;
    const into = i - (loop.length - fade);
    if (into >= 0) {
      const w = (into + 0.5) / fade;
      v = v * Math.cos((w * Math.PI) / 2) + samples[into]! * Math.sin((w * Math.PI) / 2);
    }
    loop[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return loop;
}

class ClipSource implements BackgroundSource {
  readonly sampleRateHz: number;
  private loop?: Int16Array;
  private fallback?: BackgroundSource;
  private position = 0;
  private faded = 0;

  constructor(sampleRateHz: number, clip: { loading: Promise<Int16Array>; loop?: Int16Array }, fallback: () => BackgroundSource) {
    this.sampleRateHz = sampleRateHz;
    this.loop = clip.loop;
    clip.loading.then(
      (loop) => void (this.loop = loop),
      (err: unknown) => {
        log.warn("background clip could not be decoded; using a synthesised bed", errorFields(err));
        this.fallback = fallback();
      },
    );
  }

  read(count: number): Int16Array {
    if (this.fallback) return this.fallback.read(count);
    const out = new Int16Array(count);
    const loop = this.loop;
    if (!loop) return out;
    const fadeSamples = (this.sampleRateHz * fadeInMs) / 1000;
    for (let i = 0; i < count; i++) {
      let v = loop[this.position]!;
      // it starts mid-call when the decode finishes late: fade in rather than click
      if (this.faded < fadeSamples) v = Math.round((v * this.faded++) / fadeSamples);
      out[i] = v;
      if (++this.position === loop.length) this.position = 0;
    }
    return out;
  }
}
