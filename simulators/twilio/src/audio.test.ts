import { describe, expect, it } from "vitest";
import { dbfs, fliteSpeak, mulawDecodeSample, mulawEncodeSample, resample, tone, wavDecode, wavEncode } from "./audio.ts";

describe("μ-law codec", () => {
  it("encodes G.711 reference points", () => {
    expect(mulawEncodeSample(0)).toBe(0xff);
    expect(mulawEncodeSample(32767)).toBe(0x80);
    expect(mulawEncodeSample(-32768)).toBe(0x00);
    expect(mulawEncodeSample(-1)).toBe(0x7f);
  });

  it("decodes G.711 reference points", () => {
    expect(mulawDecodeSample(0xff)).toBe(0);
    expect(mulawDecodeSample(0x80)).toBe(32124);
    expect(mulawDecodeSample(0x00)).toBe(-32124);
    expect(mulawDecodeSample(0xf0)).toBe(120);
  });

  it("round-trips every code exactly and keeps samples within the quantisation step", () => {
    for (let b = 0; b < 256; b++) {
      if (b === 0x7f) continue; // -0 decodes to 0, which encodes as +0 (0xff)
      expect(mulawEncodeSample(mulawDecodeSample(b))).toBe(b);
    }
    for (const s of [5, 100, 1000, -2000, 12000, -30000]) expect(Math.abs(mulawDecodeSample(mulawEncodeSample(s)) - s)).toBeLessThanOrEqual(Math.abs(s) / 16 + 8);
  });
});

describe("WAV and levels", () => {
  it("writes a WAV file it can read back", () => {
    const pcm = tone(1000, 100);
    const back = wavDecode(wavEncode(pcm, 8000));
    expect(back.rate).toBe(8000);
    expect(Array.from(back.pcm)).toEqual(Array.from(pcm));
  });

  it("measures a half-scale sine near -9 dBFS and silence as -Infinity", () => {
    expect(dbfs(tone(1000, 100, 0.5))).toBeCloseTo(-9.03, 0);
    expect(dbfs(new Int16Array(160))).toBe(-Infinity);
  });

  it("halves the number of samples from 16 to 8 kHz and keeps a 1 kHz tone's level", () => {
    const at16 = new Int16Array(1600).map((_, i) => Math.round(16000 * Math.sin((2 * Math.PI * 1000 * i) / 16000)));
    const at8 = resample(at16, 16000, 8000);
    expect(at8.length).toBe(800);
    expect(Math.abs(dbfs(at8) - dbfs(at16))).toBeLessThan(1.5);
  });
});

describe("flite speech", () => {
  it("speaks a phrase as audible 8 kHz audio", () => {
    const pcm = fliteSpeak("hello, this is the simulator");
    expect(pcm.length / 8000).toBeGreaterThan(0.8);
    expect(dbfs(pcm)).toBeGreaterThan(-40);
  });
});
