import { describe, expect, it } from "vitest";
import {
  base64FromBytes,
  bytesFromBase64,
  Downsampler16To8,
  dtmfFrequencies,
  dtmfTones,
  sampleFromUlaw,
  ulawDecode,
  ulawEncode,
  ulawFromSample,
  Upsampler8To16,
} from "./codec.ts";

function sine(hz: number, rateHz: number, samples: number, amplitude: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rateHz));
  return out;
}

function rms(samples: Int16Array, from = 0): number {
  let sum = 0;
  for (let i = from; i < samples.length; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length - from));
}

/** Power of one frequency in the samples (Goertzel), normalised by length. */
function goertzel(samples: Int16Array, hz: number, rateHz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rateHz);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.length ** 2;
}

/** Pushes `samples` through a resampler in 20 ms chunks, like the transport does. */
function inChunks(push: (chunk: Int16Array) => Int16Array, samples: Int16Array, chunk: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let at = 0; at < samples.length; at += chunk) parts.push(push(samples.subarray(at, at + chunk)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("G.711 μ-law", () => {
  it("encodes the documented reference points", () => {
    expect(ulawFromSample(0)).toBe(0xff);
    expect(ulawFromSample(32767)).toBe(0x80);
    expect(ulawFromSample(-32768)).toBe(0x00);
    // clipped at 32635: everything above it is the same code
    expect(ulawFromSample(32635)).toBe(0x80);
    expect(ulawFromSample(-1)).toBe(0x7f);
  });

  it("decodes the documented reference points", () => {
    expect(sampleFromUlaw(0xff)).toBe(0);
    expect(sampleFromUlaw(0x80)).toBe(32124);
    expect(sampleFromUlaw(0x00)).toBe(-32124);
    expect(sampleFromUlaw(0x7f)).toBe(0);
  });

  it("round-trips every sample within the step of its segment (about 3% of its magnitude)", () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < all.length; i++) all[i] = i - 32768;
    const back = ulawDecode(ulawEncode(all));
    for (let i = 0; i < all.length; i++) {
      const x = all[i]!;
      const magnitude = Math.min(Math.abs(x), 32635);
      const allowed = Math.max(8, (magnitude + 0x84) / 16); // half of the largest step at that exponent, rounded up
      expect(Math.abs(back[i]! - Math.max(-32635, Math.min(32635, x)))).toBeLessThanOrEqual(allowed);
    }
  });

  it("is monotonic: a louder sample never gets a quieter code", () => {
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x += 7) {
      const decoded = sampleFromUlaw(ulawFromSample(x));
      expect(decoded).toBeGreaterThanOrEqual(previous);
      previous = decoded;
    }
  });

  it("carries payloads as base64 of the raw bytes", () => {
    const bytes = ulawEncode(sine(440, 8000, 160, 8000));
    const payload = base64FromBytes(bytes);
    expect(payload).toHaveLength(216); // 160 bytes
    expect([...bytesFromBase64(payload)]).toEqual([...bytes]);
    expect(base64FromBytes(new Uint8Array([0xff, 0x7f, 0x00]))).toBe("/38A");
  });
});

describe("8 kHz ↔ 16 kHz resampling", () => {
  it("doubles and halves the length of every chunk exactly", () => {
    const up = new Upsampler8To16();
    const down = new Downsampler16To8();
    expect(up.push(new Int16Array(160))).toHaveLength(320);
    expect(down.push(new Int16Array(320))).toHaveLength(160);
    // odd chunks keep the phase: 3 + 3 samples in give 2 + 1 out
    expect(down.push(new Int16Array(3)).length + down.push(new Int16Array(3)).length).toBe(3);
  });

  it("keeps a speech-band tone's level and frequency when upsampling", () => {
    const input = sine(1000, 8000, 8000, 10000);
    const out = inChunks((c) => new Upsampler8To16().push(c), input, 8000);
    const streamed = inChunks(((u) => (c: Int16Array) => u.push(c))(new Upsampler8To16()), input, 160);
    expect(streamed).toEqual(out); // chunking changes nothing
    expect(rms(out, 200) / rms(input)).toBeGreaterThan(0.95);
    expect(rms(out, 200) / rms(input)).toBeLessThan(1.05);
    // the image at 7 kHz that zero-stuffing creates is filtered out
    expect(goertzel(out.subarray(200), 7000, 16000)).toBeLessThan(goertzel(out.subarray(200), 1000, 16000) / 1000);
  });

  it("keeps a speech-band tone when downsampling and removes what would alias", () => {
    const down = new Downsampler16To8();
    const voice = inChunks((c) => down.push(c), sine(1000, 16000, 16000, 10000), 320);
    expect(rms(voice, 100) / (10000 / Math.SQRT2)).toBeGreaterThan(0.95);
    expect(rms(voice, 100) / (10000 / Math.SQRT2)).toBeLessThan(1.05);
    // 6 kHz cannot be carried at 8 kHz: without the filter it would come back as 2 kHz
    const alias = inChunks(((d) => (c: Int16Array) => d.push(c))(new Downsampler16To8()), sine(6000, 16000, 16000, 10000), 320);
    expect(rms(alias, 100)).toBeLessThan(10000 / Math.SQRT2 / 100); // below −40 dB
  });

  it("round-trips phone audio through the pipeline rate with little change", () => {
    const phone = sine(700, 8000, 1600, 8000);
    const back = new Downsampler16To8().push(new Upsampler8To16().push(phone));
    // two filters: 62 samples of 16 kHz delay = 31 at 8 kHz
    const delayed = back.subarray(31);
    let error = 0;
    for (let i = 100; i < delayed.length; i++) error += (delayed[i]! - phone[i]!) ** 2;
    expect(Math.sqrt(error / (delayed.length - 100)) / rms(phone)).toBeLessThan(0.05);
  });
});

describe("DTMF tones", () => {
  it("map keys to the Q.23 frequency pairs", () => {
    expect(dtmfFrequencies("1")).toEqual({ lowHz: 697, highHz: 1209 });
    expect(dtmfFrequencies("5")).toEqual({ lowHz: 770, highHz: 1336 });
    expect(dtmfFrequencies("#")).toEqual({ lowHz: 941, highHz: 1477 });
    expect(dtmfFrequencies("D")).toEqual({ lowHz: 941, highHz: 1633 });
    expect(() => dtmfFrequencies("x")).toThrow(RangeError);
  });

  it("synthesise a '5' with its energy at 770 and 1336 Hz and nowhere else on the keypad", () => {
    const tone = dtmfTones("5", 8000).subarray(0, 560); // the 70 ms tone, without its gap
    const at = (hz: number) => goertzel(tone, hz, 8000);
    for (const other of [697, 852, 941, 1209, 1477, 1633]) {
      expect(at(770)).toBeGreaterThan(50 * at(other));
      expect(at(1336)).toBeGreaterThan(50 * at(other));
    }
    // the high group is 2 dB louder (twist), peaks stay below full scale
    expect(at(1336) / at(770)).toBeGreaterThan(1.4);
    expect(at(1336) / at(770)).toBeLessThan(1.8);
    expect(Math.max(...tone.map(Math.abs))).toBeLessThan(32767 * 0.85);
  });

  it("last 70 ms per key plus 70 ms of silence, at the call's rate, and wait half a second for w", () => {
    expect(dtmfTones("12", 16000)).toHaveLength(2 * 2 * 1120);
    expect(dtmfTones("1w", 8000)).toHaveLength(1120 + 4000);
    const one = dtmfTones("1", 8000);
    expect(rms(one.subarray(0, 560))).toBeGreaterThan(5000);
    expect(rms(one.subarray(560))).toBe(0);
    expect(() => dtmfTones("12x", 8000)).toThrow(RangeError);
    expect(() => dtmfTones("", 8000)).toThrow(RangeError);
  });
});
