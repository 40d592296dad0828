import { describe, expect, it } from "vitest";
import { StreamResampler, outputSpan, resampleRange } from "./resample.ts";

function tone(rateHz: number, hz: number, amplitude: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rateHz)));
}

/** Peak of the middle of a signal, away from its edges. */
function middlePeak(samples: Float32Array): number {
  let peak = 0;
  for (let i = Math.floor(samples.length / 4); i < (3 * samples.length) / 4; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  return peak;
}

describe("resampling", () => {
  it("keeps a tone below the new Nyquist rate at its level and removes one above it", () => {
    const span = outputSpan(0, 48000, 48000, 16000);
    expect(span).toEqual({ from: 0, to: 16000 });
    const kept = resampleRange(tone(48000, 1000, 0.5, 48000), 48000, 16000, span.from, span.to);
    expect(middlePeak(kept)).toBeCloseTo(0.5, 2);
    const aliased = resampleRange(tone(48000, 12000, 0.5, 48000), 48000, 16000, span.from, span.to);
    // 12 kHz would fold to 4 kHz at 16 kHz: at least 40 dB down
    expect(middlePeak(aliased)).toBeLessThan(0.005);
  });

  it("upsamples without changing a tone's level", () => {
    const up = resampleRange(tone(8000, 440, 0.5, 8000), 8000, 16000, 0, 16000);
    expect(middlePeak(up)).toBeCloseTo(0.5, 2);
  });

  it("gives the same samples streamed in uneven chunks as all at once", () => {
    const input = tone(44100, 523, 0.7, 44100);
    const whole = resampleRange(input, 44100, 16000, 0, outputSpan(0, input.length, 44100, 16000).to);
    const stream = new StreamResampler(44100, 16000);
    const parts: number[] = [];
    let at = 0;
    for (const size of [1, 7, 441, 1000, 3, 20000]) {
      parts.push(...stream.push(input.subarray(at, at + size)));
      at += size;
    }
    parts.push(...stream.push(input.subarray(at)), ...stream.end());
    expect(parts.length).toBe(whole.length);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(parts[i]! - whole[i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it("joins slices of one buffer without a seam", () => {
    const input = tone(24000, 300, 0.5, 24000);
    const a = outputSpan(0, 7001, 24000, 16000);
    const b = outputSpan(7001, 24000, 24000, 16000);
    expect(a.to).toBe(b.from);
    const joined = [...resampleRange(input, 24000, 16000, a.from, a.to), ...resampleRange(input, 24000, 16000, b.from, b.to)];
    const whole = resampleRange(input, 24000, 16000, 0, b.to);
    expect(joined).toEqual(Array.from(whole));
  });
});
