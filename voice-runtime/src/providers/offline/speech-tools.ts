// Plumbing shared by the offline speech providers: finding the Debian binaries they run (so a
// missing package fails at construction, naming the apt package, instead of as an ENOENT deep in
// a call), ending their child processes, and resampling whole PCM16 buffers.
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** A binary or model an offline provider needs is not installed. Installing the package fixes it. */
export class SpeechToolMissingError extends Error {
  override readonly name = "SpeechToolMissingError";
  readonly retryable = false;
  /** The executable or file that was looked for. */
  readonly tool: string;
  /** Debian packages that provide it. */
  readonly aptPackages: readonly string[];

  constructor(tool: string, aptPackages: readonly string[], what = `\`${tool}\` was not found on PATH`) {
    super(`${what}; install it with: apt-get install ${aptPackages.join(" ")}`);
    this.tool = tool;
    this.aptPackages = aptPackages;
  }
}

/** `stream()` was called on a provider that only does whole utterances; wrap it in an adapter. */
export class StreamingUnsupportedError extends Error {
  override readonly name = "StreamingUnsupportedError";
  readonly retryable = false;

  constructor(label: string, adapter: string) {
    super(`${label} has no streaming mode; wrap it in ${adapter} (AgentSession does this by itself)`);
  }
}

/** The executables the offline providers run, with the Debian packages that ship them. */
const APT_PACKAGES = {
  flite: ["flite"],
  pocketsphinx_batch: ["pocketsphinx", "pocketsphinx-en-us"],
  sh: ["dash"],
  cat: ["coreutils"],
} as const satisfies Record<string, readonly string[]>;

export type SpeechTool = keyof typeof APT_PACKAGES;

/** Absolute path of `name` on PATH (first executable match), or null. */
export function findExecutable(name: string, pathList: string = process.env["PATH"] ?? ""): string | null {
  for (const dir of pathList.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

const resolved = new Map<string, string>();

/** Absolute path of a speech tool; throws {@link SpeechToolMissingError} naming the apt package. */
export function requireSpeechTool(tool: SpeechTool, pathList?: string): string {
  const key = `${tool}\0${pathList ?? ""}`;
  const cached = resolved.get(key);
  if (cached !== undefined) return cached;
  const found = findExecutable(tool, pathList);
  if (found === null) throw new SpeechToolMissingError(tool, APT_PACKAGES[tool]);
  resolved.set(key, found);
  return found;
}

/** Throws {@link SpeechToolMissingError} unless every file exists (model files shipped by a package). */
export function requireFiles(files: readonly string[], aptPackages: readonly string[]): void {
  for (const file of files) {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new SpeechToolMissingError(file, aptPackages, `model file ${file} is missing`);
    }
  }
}

/**
 * Ends a child started with `detached: true` together with everything it spawned (its process
 * group), since a shell pipeline's members outlive a signal sent to the shell alone.
 */
export function killProcessGroup(pid: number | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const liveScratchDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * A private (0700) scratch directory for audio handed to a binary; `remove()` deletes it. Any
 * left behind by a provider that was never closed go when the process exits.
 */
export function makeScratchDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `speaknode-${prefix}-`));
  liveScratchDirs.add(path);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const dir of liveScratchDirs) rmSync(dir, { recursive: true, force: true });
    });
  }
  return {
    path,
    remove: () => {
      liveScratchDirs.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Averages interleaved channels into one. */
export function downmixToMono(samples: Int16Array, channels: number): Int16Array {
  if (channels <= 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const mono = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c] ?? 0;
    mono[i] = Math.round(sum / channels);
  }
  return mono;
}

// Zero crossings of the sinc kept on each side of an output sample. 16 keeps aliasing well below
// what the recogniser notices.
const SINC_ZERO_CROSSINGS = 16;
// Above this many distinct fractional phases a table costs more than it saves.
const MAX_PHASES = 4096;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Hann-windowed sinc taps for one fractional position, normalised to unit DC gain. */
function taps(frac: number, cutoff: number, halfWidth: number): Float64Array {
  const weights = new Float64Array(2 * halfWidth);
  let norm = 0;
  for (let i = 0; i < weights.length; i++) {
    const x = frac + halfWidth - 1 - i; // distance from the output position to input centre-halfWidth+1+i
    const w = x / halfWidth;
    if (w <= -1 || w >= 1) continue;
    const arg = Math.PI * cutoff * x;
    const weight = (arg === 0 ? 1 : Math.sin(arg) / arg) * (0.5 + 0.5 * Math.cos(Math.PI * w));
    weights[i] = weight;
    norm += weight;
  }
  if (norm !== 0) for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] ?? 0) / norm;
  return weights;
}

/**
 * Resamples a whole mono PCM16 buffer with a Hann-windowed sinc whose cutoff sits below the lower
 * Nyquist rate, so downsampling (48 kHz -> 16 kHz) does not fold high frequencies into the speech
 * band. Whole-buffer on purpose: both callers hold a complete utterance. The taps of each
 * fractional phase are computed once, which makes common rate pairs a plain FIR (a few ms per
 * second of audio).
 */
export function resampleMono(samples: Int16Array, fromHz: number, toHz: number): Int16Array {
  if (fromHz === toHz || samples.length === 0) return samples;
  const g = gcd(Math.round(fromHz), Math.round(toHz));
  const up = Math.round(toHz) / g;
  const down = Math.round(fromHz) / g;
  const cutoff = Math.min(1, up / down) * 0.95; // as a fraction of the input Nyquist rate
  const halfWidth = Math.ceil(SINC_ZERO_CROSSINGS / cutoff); // in input samples
  const table = up <= MAX_PHASES ? new Map<number, Float64Array>() : null;
  const outLength = Math.floor((samples.length * up) / down);
  const out = new Int16Array(outLength);
  for (let n = 0; n < outLength; n++) {
    const centre = Math.floor((n * down) / up);
    const phase = (n * down) % up;
    let weights = table?.get(phase);
    if (weights === undefined) {
      weights = taps(phase / up, cutoff, halfWidth);
      table?.set(phase, weights);
    }
    const first = centre - halfWidth + 1;
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      const k = first + i;
      if (k >= 0 && k < samples.length) acc += (samples[k] ?? 0) * (weights[i] ?? 0);
    }
    const value = Math.round(acc);
    out[n] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
  return out;
}

/** The samples of `parts` one after the other (the part itself when there is one). */
export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
