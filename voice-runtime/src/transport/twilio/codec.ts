// Pure audio helpers of the Twilio Media Streams transport: G.711 μ-law (ITU-T G.711, the
// telephone network's 8 kHz, 8-bit companding), 8 kHz ↔ 16 kHz resampling for the pipeline,
// base64 payloads, and DTMF tones (ITU-T Q.23 frequency pairs) for keys the agent sends.
//
// The resamplers are streaming, causal FIR filters (windowed sinc, 63 taps at 16 kHz, cutoff
// 3.7 kHz): every chunk in gives exactly `in × 2` (up) or `in ÷ 2` (down) samples out, with a
// constant delay of ~2 ms, so 20 ms of telephone audio is always 20 ms of pipeline audio and the
// paced sender's frames map one to one onto Twilio's 160-byte media chunks.

// ---- G.711 μ-law ---------------------------------------------------------------------------------

const ulawBias = 0x84;
const ulawClip = 32635;

function encodeSample(sample: number): number {
  let magnitude = sample;
  const sign = magnitude < 0 ? 0x80 : 0;
  if (sign) magnitude = -magnitude;
  if (magnitude > ulawClip) magnitude = ulawClip;
  magnitude += ulawBias;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeByte(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + ulawBias) << exponent) - ulawBias;
  return u & 0x80 ? -magnitude : magnitude;
}

// Tables: one lookup per sample (64 KiB for every 16-bit value, 512 bytes the other way).
const encodeTable = new Uint8Array(65536);
for (let i = 0; i < 65536; i++) encodeTable[i] = encodeSample(i - 32768);
const decodeTable = new Int16Array(256);
for (let i = 0; i < 256; i++) decodeTable[i] = decodeByte(i);

/** One PCM16 sample as a μ-law byte. */
export function ulawFromSample(sample: number): number {
  return encodeTable[(Math.max(-32768, Math.min(32767, Math.round(sample))) + 32768) | 0]!;
}

/** One μ-law byte as a PCM16 sample. */
export function sampleFromUlaw(byte: number): number {
  return decodeTable[byte & 0xff]!;
}

export function ulawEncode(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = encodeTable[samples[i]! + 32768]!;
  return out;
}

export function ulawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = decodeTable[bytes[i]!]!;
  return out;
}

// ---- base64 payloads ------------------------------------------------------------------------------

/** Twilio's `media.payload`: raw μ-law bytes, base64 without header. */
export function bytesFromBase64(payload: string): Uint8Array {
  return new Uint8Array(Buffer.from(payload, "base64"));
}

export function base64FromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

// ---- 8 kHz ↔ 16 kHz ---------------------------------------------------------------------------------

const filterTaps = 63;
const cutoffHz = 3700;

/** A Hamming-windowed sinc low-pass at `cutoffHz` for a 16 kHz stream, unity gain at DC. */
function lowPass16k(): Float32Array {
  const taps = new Float32Array(filterTaps);
  const fc = cutoffHz / 16_000;
  const centre = (filterTaps - 1) / 2;
  let sum = 0;
  for (let k = 0; k < filterTaps; k++) {
    const t = k - centre;
    const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const window = 0.54 - 0.46 * Math.cos((2 * Math.PI * k) / (filterTaps - 1));
    taps[k] = sinc * window;
    sum += taps[k]!;
  }
  for (let k = 0; k < filterTaps; k++) taps[k] = taps[k]! / sum;
  return taps;
}

const taps16k = lowPass16k();

function clamp16(value: number): number {
  const rounded = Math.round(value);
  return rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
}

/** 8 kHz → 16 kHz: zero-stuffing, then the low-pass (with gain 2 for the inserted zeros). */
export class Upsampler8To16 {
  /** The last `filterTaps` samples of the 16 kHz zero-stuffed stream, newest last. */
  private readonly history = new Float32Array(filterTaps);

  push(samples: Int16Array): Int16Array {
    const out = new Int16Array(samples.length * 2);
    const h = this.history;
    for (let i = 0; i < out.length; i++) {
      h.copyWithin(0, 1);
      h[filterTaps - 1] = i % 2 === 0 ? samples[i >> 1]! : 0;
      let acc = 0;
      for (let k = 0; k < filterTaps; k++) acc += h[filterTaps - 1 - k]! * taps16k[k]!;
      out[i] = clamp16(acc * 2);
    }
    return out;
  }
}

/** 16 kHz → 8 kHz: the low-pass, then every second sample (the phase carries across chunks). */
export class Downsampler16To8 {
  private readonly history = new Float32Array(filterTaps);
  private phase = 0;

  push(samples: Int16Array): Int16Array {
    const out = new Int16Array((samples.length + (this.phase === 0 ? 1 : 0)) >> 1);
    const h = this.history;
    let n = 0;
    for (let i = 0; i < samples.length; i++) {
      h.copyWithin(0, 1);
      h[filterTaps - 1] = samples[i]!;
      if (this.phase === 0) {
        let acc = 0;
        for (let k = 0; k < filterTaps; k++) acc += h[filterTaps - 1 - k]! * taps16k[k]!;
        out[n++] = clamp16(acc);
      }
      this.phase ^= 1;
    }
    return out;
  }
}

// ---- DTMF -------------------------------------------------------------------------------------------

/** ITU-T Q.23: each key is one low-group (row) and one high-group (column) frequency. */
const dtmfRows = [697, 770, 852, 941] as const;
const dtmfColumns = [1209, 1336, 1477, 1633] as const;
const dtmfKeypad = ["123A", "456B", "789C", "*0#D"] as const;

export const dtmfDigitPattern = /^[0-9*#A-D]$/;
/** Digits the agent may send: keys, and `w` for a half-second wait (as Twilio's sendDigits). */
export const dtmfSequencePattern = /^[0-9*#A-Dw]{1,64}$/;

export function dtmfFrequencies(digit: string): { lowHz: number; highHz: number } {
  for (let row = 0; row < 4; row++) {
    const column = dtmfKeypad[row]!.indexOf(digit);
    if (digit.length === 1 && column >= 0) return { lowHz: dtmfRows[row]!, highHz: dtmfColumns[column]! };
  }
  throw new RangeError("not a DTMF key");
}

export interface DtmfOptions {
  /** Length of each key's tone (default 70 ms; Q.24 receivers need at least 40). */
  toneMs?: number;
  /** Silence after each key (default 70 ms). */
  gapMs?: number;
}

/** Peak levels of the two tones: the high group 2 dB above the low (positive twist, as telephones send). */
const lowGroupDbfs = -9;
const highGroupDbfs = -7;
const waitMs = 500;
const rampMs = 2;

/** The keys as tones (`w`: a 500 ms pause), PCM16 at `sampleRateHz`. */
export function dtmfTones(digits: string, sampleRateHz: number, options: DtmfOptions = {}): Int16Array {
  if (!dtmfSequencePattern.test(digits)) throw new RangeError("DTMF digits are 0-9, *, #, A-D or w (up to 64)");
  const toneSamples = Math.round(((options.toneMs ?? 70) * sampleRateHz) / 1000);
  const gapSamples = Math.round(((options.gapMs ?? 70) * sampleRateHz) / 1000);
  const waitSamples = Math.round((waitMs * sampleRateHz) / 1000);
  const rampSamples = Math.max(1, Math.round((rampMs * sampleRateHz) / 1000));
  let total = 0;
  for (const digit of digits) total += digit === "w" ? waitSamples : toneSamples + gapSamples;
  const out = new Int16Array(total);
  const lowAmp = 32767 * 10 ** (lowGroupDbfs / 20);
  const highAmp = 32767 * 10 ** (highGroupDbfs / 20);
  let at = 0;
  for (const digit of digits) {
    if (digit === "w") {
      at += waitSamples;
      continue;
    }
    const { lowHz, highHz } = dtmfFrequencies(digit);
    for (let i = 0; i < toneSamples; i++) {
      // A short raised-cosine ramp at both ends: no click, no splatter into neighbouring keys.
      const edge = Math.min(i, toneSamples - 1 - i);
      const gain = edge >= rampSamples ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / rampSamples);
      const t = i / sampleRateHz;
      out[at + i] = clamp16(gain * (lowAmp * Math.sin(2 * Math.PI * lowHz * t) + highAmp * Math.sin(2 * Math.PI * highHz * t)));
    }
    at += toneSamples + gapSamples;
  }
  return out;
}
