// Band-limited resampling (windowed sinc) of mono PCM, by position rather than by stream: output
// sample j sits exactly at source position j·src/dst. The recorder places audio on a timeline by
// sample index, so a resampler with a delay or with edge effects at every chunk would shift or
// click the recording; computing each output sample from its own position has neither, and slices
// of one buffer resampled separately join without a seam. (rtc-node's AudioResampler is a stream
// with its own latency and a native handle per run, which is why it is not used here.)

/** Zero crossings of the sinc each side of the centre, at the cutoff: quality versus cost. */
const zeroCrossings = 10;
/** Cutoff as a fraction of the lower Nyquist rate, leaving room for the window's transition band. */
const cutoffFraction = 0.9;
/** Kernel table entries per source sample; values between entries are interpolated. */
const tableSteps = 256;

interface Kernel {
  /** Half-width in source samples. */
  halfWidth: number;
  table: Float32Array;
}

const kernels = new Map<string, Kernel>();

function kernelFor(srcRateHz: number, dstRateHz: number): Kernel {
  const key = `${srcRateHz}/${dstRateHz}`;
  const cached = kernels.get(key);
  if (cached) return cached;
  // normalised to the source's Nyquist rate; below 1 when downsampling
  const cutoff = Math.min(1, dstRateHz / srcRateHz) * cutoffFraction;
  const halfWidth = zeroCrossings / cutoff;
  const table = new Float32Array(Math.ceil(halfWidth * tableSteps) + 2);
  for (let i = 0; i < table.length; i++) {
    const t = i / tableSteps;
    if (t >= halfWidth) continue;
    const x = Math.PI * cutoff * t;
    const sinc = t === 0 ? 1 : Math.sin(x) / x;
    const u = t / halfWidth;
    const blackman = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
    table[i] = cutoff * sinc * blackman;
  }
  const kernel = { halfWidth, table };
  kernels.set(key, kernel);
  return kernel;
}

type Samples = Int16Array | Float32Array;

/** Output samples `[from, to)` of `source` at `dstRateHz`, `source[0]` being source sample `base`; silence outside it. Values at full scale 1. */
export function resampleRange(source: Samples, srcRateHz: number, dstRateHz: number, from: number, to: number, base = 0): Float32Array {
  const out = new Float32Array(Math.max(0, to - from));
  const scale = source instanceof Int16Array ? 1 / 32768 : 1;
  if (srcRateHz === dstRateHz) {
    for (let j = from; j < to; j++) {
      const i = j - base;
      if (i >= 0 && i < source.length) out[j - from] = source[i]! * scale;
    }
    return out;
  }
  const { halfWidth, table } = kernelFor(srcRateHz, dstRateHz);
  const step = srcRateHz / dstRateHz;
  for (let j = from; j < to; j++) {
    const position = j * step - base;
    const lo = Math.max(0, Math.ceil(position - halfWidth));
    const hi = Math.min(source.length - 1, Math.floor(position + halfWidth));
    let sum = 0;
    for (let i = lo; i <= hi; i++) {
      const at = Math.abs(i - position) * tableSteps;
      const k = at | 0;
      const weight = table[k]! + (table[k + 1]! - table[k]!) * (at - k);
      sum += source[i]! * weight;
    }
    out[j - from] = sum * scale;
  }
  return out;
}

/** The output samples `[from, to)` that stand for source samples `[lo, hi)`; consecutive source ranges give consecutive output ranges. */
export function outputSpan(lo: number, hi: number, srcRateHz: number, dstRateHz: number): { from: number; to: number } {
  const at = (i: number): number => Math.floor((i * dstRateHz + srcRateHz - 1) / srcRateHz);
  return { from: at(lo), to: at(hi) };
}

/**
 * Resamples a continuous stream pushed in chunks of any size. Each push returns the output samples
 * whose whole kernel has arrived; `end` returns the rest (the stream's tail against silence). The
 * result is the same as resampling the whole stream at once.
 */
export class StreamResampler {
  readonly srcRateHz: number;
  readonly dstRateHz: number;
  private readonly halfWidth: number;
  /** Recent input at full scale 1; `history[0]` is input sample `base`. */
  private history = new Float32Array(0);
  private base = 0;
  private received = 0;
  private produced = 0;

  constructor(srcRateHz: number, dstRateHz: number) {
    this.srcRateHz = srcRateHz;
    this.dstRateHz = dstRateHz;
    this.halfWidth = srcRateHz === dstRateHz ? 0 : kernelFor(srcRateHz, dstRateHz).halfWidth;
  }

  push(samples: Int16Array): Float32Array {
    const grown = new Float32Array(this.history.length + samples.length);
    grown.set(this.history);
    for (let i = 0; i < samples.length; i++) grown[this.history.length + i] = samples[i]! / 32768;
    this.history = grown;
    this.received += samples.length;
    // output j is ready once the input reaches j·step + halfWidth
    const ready = Math.max(this.produced, Math.floor(((this.received - 1 - this.halfWidth) * this.dstRateHz) / this.srcRateHz) + 1);
    return this.take(ready);
  }

  /** The remaining output, as if the stream were followed by silence; the resampler starts over. */
  end(): Float32Array {
    const out = this.take(outputSpan(0, this.received, this.srcRateHz, this.dstRateHz).to);
    this.history = new Float32Array(0);
    this.base = this.received = this.produced = 0;
    return out;
  }

  private take(until: number): Float32Array {
    const out = resampleRange(this.history, this.srcRateHz, this.dstRateHz, this.produced, until, this.base);
    this.produced = Math.max(this.produced, until);
    // keep only what the next output's kernel can still reach
    const keepFrom = Math.max(this.base, Math.floor((this.produced * this.srcRateHz) / this.dstRateHz - this.halfWidth) - 1);
    if (keepFrom > this.base) {
      this.history = this.history.slice(keepFrom - this.base);
      this.base = keepFrom;
    }
    return out;
  }
}
