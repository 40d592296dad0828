import { describe, expect, it } from "vitest";
import { floatToPcm16, FrameChunker, pcm16FromBytes, pcm16ToBytes, pcm16ToFloat, samplesFor, StreamResampler } from "./pcm.ts";

function sine(frequencyHz: number, rateHz: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * frequencyHz * i) / rateHz);
  return out;
}

/** Resamples `input` in chunks of `chunk` samples, as a worklet would. */
function streamed(resampler: StreamResampler, input: Float32Array, chunk: number): Float32Array {
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(resampler.process(input.subarray(i, i + chunk)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

describe("PCM16", () => {
  it("converts floats with clamping and full scale at both ends", () => {
    expect([...floatToPcm16(Float32Array.from([0, 1, -1, 2, -2, 0.5]))]).toEqual([0, 32767, -32768, 32767, -32768, 16384]);
  });

  it("round-trips through floats within one step", () => {
    const pcm = Int16Array.from([0, 1, -1, 1000, -1000, 32767, -32768]);
    expect([...floatToPcm16(pcm16ToFloat(pcm))]).toEqual([...pcm]);
  });

  it("is little-endian on the wire", () => {
    const bytes = new Uint8Array(pcm16ToBytes(Int16Array.from([0x0102, -2])));
    expect([...bytes]).toEqual([0x02, 0x01, 0xfe, 0xff]);
    expect([...pcm16FromBytes(bytes.buffer)]).toEqual([0x0102, -2]);
  });

  it("ignores an odd trailing byte", () => {
    expect([...pcm16FromBytes(Uint8Array.from([1, 0, 7]).buffer)]).toEqual([1]);
  });
});

describe("StreamResampler", () => {
  it("turns 48 kHz into a third as many 16 kHz samples, chunk size regardless", () => {
    const input = sine(440, 48_000, 48_000);
    const whole = new StreamResampler(48_000, 16_000).process(input);
    const chunked = streamed(new StreamResampler(48_000, 16_000), input, 128);
    expect(whole.length).toBe(16_000);
    expect(chunked.length).toBe(16_000);
    for (let i = 0; i < whole.length; i++) expect(chunked[i]).toBeCloseTo(whole[i] ?? 0, 5);
  });

  it("handles a non-integer ratio (44.1 kHz → 16 kHz) across 128-sample chunks", () => {
    const out = streamed(new StreamResampler(44_100, 16_000), sine(300, 44_100, 44_100), 128);
    expect(Math.abs(out.length - 16_000)).toBeLessThanOrEqual(1);
    // A 300 Hz tone keeps its level (0.5 peak → 0.354 RMS) through the low-pass.
    expect(rms(out.subarray(100))).toBeCloseTo(0.354, 1);
  });

  it("keeps the tone's frequency: 16 kHz → 48 kHz matches a 48 kHz sine", () => {
    const out = streamed(new StreamResampler(16_000, 48_000), sine(440, 16_000, 1600), 320);
    const reference = sine(440, 48_000, out.length);
    expect(out.length).toBe(4800);
    let maxError = 0;
    // The first output sample interpolates from the zero before the stream.
    for (let i = 3; i < out.length; i++) maxError = Math.max(maxError, Math.abs((out[i] ?? 0) - (reference[i - 3] ?? 0)));
    expect(maxError).toBeLessThan(0.02);
  });

  it("attenuates what would alias when downsampling", () => {
    // 15 kHz at 48 kHz would fold to 1 kHz at 16 kHz without filtering.
    const out = streamed(new StreamResampler(48_000, 16_000), sine(15_000, 48_000, 4800), 128);
    expect(rms(out)).toBeLessThan(0.354 / 3);
  });

  it("is the identity at equal rates", () => {
    const input = sine(1000, 16_000, 500);
    const out = streamed(new StreamResampler(16_000, 16_000), input, 128);
    expect(out.length).toBe(500);
    for (let i = 1; i < 500; i++) expect(out[i]).toBeCloseTo(input[i - 1] ?? 0, 6);
  });
});

describe("FrameChunker", () => {
  it("emits exact 20 ms frames at 16 kHz from 128-sample pushes, carrying the rest", () => {
    const frameSamples = samplesFor(20, 16_000);
    expect(frameSamples).toBe(320);
    const chunker = new FrameChunker(frameSamples);
    const frames: Float32Array[] = [];
    const input = Float32Array.from({ length: 1000 }, (_, i) => i);
    for (let i = 0; i < input.length; i += 128) chunker.push(input.subarray(i, i + 128), (f) => frames.push(f));
    expect(frames.map((f) => f.length)).toEqual([320, 320, 320]);
    expect(frames[1]?.[0]).toBe(320);
    expect(frames[2]?.[319]).toBe(959);
  });
});
