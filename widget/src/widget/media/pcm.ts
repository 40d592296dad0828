// Audio sample helpers shared by the worklets and the transports: float ↔ PCM16 little-endian,
// a streaming resampler (the AudioContext runs at the device rate, the wire at 16 kHz) and a
// chunker that cuts the capture stream into fixed 20 ms frames.

/** Float samples in [-1, 1] to PCM16 (clamped). */
export function floatToPcm16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const s = Math.max(-1, Math.min(1, input[i] ?? 0));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

export function pcm16ToFloat(input: Int16Array): Float32Array {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const s = input[i] ?? 0;
    out[i] = s < 0 ? s / 0x8000 : s / 0x7fff;
  }
  return out;
}

/** The wire format: little-endian whatever the platform (DataView, not a typed-array view). */
export function pcm16ToBytes(samples: Int16Array): ArrayBuffer {
  const bytes = new ArrayBuffer(samples.length * 2);
  const view = new DataView(bytes);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  return bytes;
}

/** PCM16 LE bytes to samples; an odd trailing byte is ignored. */
export function pcm16FromBytes(bytes: ArrayBuffer): Int16Array {
  const view = new DataView(bytes);
  const out = new Int16Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/**
 * Resamples a continuous stream chunk by chunk (a worklet sees 128 samples at a time) by linear
 * interpolation, keeping the read position and the last sample across chunks so there are no
 * clicks at chunk borders. The position is an integer count of 1/toHz steps, so it never drifts
 * however long the call. Downsampling first averages over the step (a box low-pass), which keeps
 * the worst aliasing out of what speech recognition hears.
 */
export class StreamResampler {
  private readonly fromHz: number;
  private readonly toHz: number;
  private readonly boxWidth: number;
  private readonly box: Float32Array;
  private boxIndex = 0;
  private boxSum = 0;
  /** Read position × toHz, relative to the previous chunk's last sample. */
  private phase = 0;
  private last = 0;

  constructor(fromHz: number, toHz: number) {
    this.fromHz = Math.round(fromHz);
    this.toHz = Math.round(toHz);
    this.boxWidth = Math.max(1, Math.round(this.fromHz / this.toHz));
    this.box = new Float32Array(this.boxWidth);
  }

  process(input: Float32Array): Float32Array {
    const filtered = this.boxWidth > 1 ? this.lowPass(input) : input;
    const limit = filtered.length * this.toHz;
    const count = this.phase < limit ? Math.ceil((limit - this.phase) / this.fromHz) : 0;
    const out = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      // Index 0 is the previous chunk's last sample, index i is filtered[i - 1].
      const i = Math.floor(this.phase / this.toHz);
      const frac = (this.phase - i * this.toHz) / this.toHz;
      const a = i === 0 ? this.last : (filtered[i - 1] ?? 0);
      const b = filtered[i] ?? 0;
      out[k] = a + (b - a) * frac;
      this.phase += this.fromHz;
    }
    this.phase -= limit;
    if (filtered.length > 0) this.last = filtered[filtered.length - 1] ?? 0;
    return out;
  }

  private lowPass(input: Float32Array): Float32Array {
    const out = new Float32Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const s = input[i] ?? 0;
      this.boxSum += s - (this.box[this.boxIndex] ?? 0);
      this.box[this.boxIndex] = s;
      this.boxIndex = (this.boxIndex + 1) % this.boxWidth;
      out[i] = this.boxSum / this.boxWidth;
    }
    return out;
  }
}

/** Collects samples and hands out frames of exactly `frameSamples`. */
export class FrameChunker {
  private readonly frame: Float32Array;
  private filled = 0;

  constructor(frameSamples: number) {
    this.frame = new Float32Array(frameSamples);
  }

  push(samples: Float32Array, emit: (frame: Float32Array) => void): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.frame.length - this.filled, samples.length - offset);
      this.frame.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frame.length) {
        emit(this.frame.slice());
        this.filled = 0;
      }
    }
  }
}

/** Samples in `ms` milliseconds at `rateHz`. */
export function samplesFor(ms: number, rateHz: number): number {
  return Math.round((rateHz * ms) / 1000);
}
