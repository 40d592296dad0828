import { describe, expect, it } from "vitest";
import { UnknownBackgroundSoundError, backgroundFrames, backgroundSounds, createBackgroundSource, loopClip, preloadBackgroundClips } from "./background.ts";

function rms(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (to - from)) / 32768;
}

/** The largest step between neighbouring samples, as a fraction of full scale. */
function maxStep(samples: ArrayLike<number>, from = 1, to = samples.length): number {
  let worst = 0;
  for (let i = Math.max(1, from); i < to; i++) worst = Math.max(worst, Math.abs(samples[i]! - samples[i - 1]!));
  return worst / 32768;
}

describe("createBackgroundSource", () => {
  it("has no bed for none, and a typed error for a sound it does not know", () => {
    expect(createBackgroundSource("none", 16000)).toBeNull();
    expect(() => createBackgroundSource("jungle", 16000)).toThrow(UnknownBackgroundSoundError);
  });

  for (const rateHz of [16000, 48000]) {
    it(`gives every sound audible audio at ${rateHz} Hz, at about the same loudness`, async () => {
      await preloadBackgroundClips(rateHz);
      for (const sound of backgroundSounds) {
        const source = createBackgroundSource(sound, rateHz, { seed: 7 })!;
        expect(source.sampleRateHz).toBe(rateHz);
        const samples = source.read(rateHz * 10);
        expect(samples).toHaveLength(rateHz * 10);
        // -20 dBFS give or take: loud enough to hear at the default volume, never clipping
        expect(rms(samples), sound).toBeGreaterThan(0.05);
        expect(rms(samples), sound).toBeLessThan(0.2);
        // audible all the way through, not a burst and then silence
        for (let s = 0; s < 10; s++) expect(rms(samples, s * rateHz, (s + 1) * rateHz), `${sound} second ${s}`).toBeGreaterThan(0.01);
      }
    });
  }

  it("reads the same audio in uneven blocks as in one, so block edges never click", () => {
    for (const sound of backgroundSounds.filter((s) => s !== "office")) {
      const whole = createBackgroundSource(sound, 16000, { seed: 3 })!.read(16000 * 5);
      const source = createBackgroundSource(sound, 16000, { seed: 3 })!;
      const pieces: number[] = [];
      for (let got = 0; got < whole.length; ) {
        const count = Math.min(whole.length - got, 1 + ((got * 7919) % 1500));
        pieces.push(...source.read(count));
        got += count;
      }
      expect(Int16Array.from(pieces), sound).toEqual(whole);
    }
  });

  it("loops the recorded office bed with no step at the seam bigger than the recording's own", async () => {
    const rateHz = 16000;
    await preloadBackgroundClips(rateHz);
    const source = createBackgroundSource("office", rateHz)!;
    // the loop is about 21.5 s long: 50 s crosses its seam twice, the first 21 s never
    const reads: Int16Array[] = [];
    for (let got = 0; got < rateHz * 50; got += 333) reads.push(source.read(333));
    const all = Int16Array.from(reads.flatMap((r) => Array.from(r)));
    expect(rms(all)).toBeGreaterThan(0.05);
    expect(maxStep(all)).toBeLessThanOrEqual(maxStep(all, 1, rateHz * 21));
  });

  it("starts from silence rather than with a click", () => {
    const samples = createBackgroundSource("cafe", 16000, { seed: 1 })!.read(160);
    expect(Math.abs(samples[0]!)).toBe(0);
    expect(maxStep(samples)).toBeLessThan(0.05);
  });

  it("gives a different bed for each seed and the same bed for the same seed", () => {
    const a = createBackgroundSource("street", 16000, { seed: 1 })!.read(16000);
    const b = createBackgroundSource("street", 16000, { seed: 1 })!.read(16000);
    const c = createBackgroundSource("street", 16000, { seed: 2 })!.read(16000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe("loopClip", () => {
  it("joins a clip's end to its start without a step, where a plain loop would click", () => {
    const rateHz = 8000;
    // a slow tone whose last sample is far from its first
    const clip = Float32Array.from({ length: 12345 }, (_, i) => 10000 * Math.sin((2 * Math.PI * 50 * i) / rateHz) + 3000 * Math.sin(i / 900));
    const plainSeam = Math.abs(clip[clip.length - 1]! - clip[0]!) / 32768;
    const loop = loopClip(clip, rateHz, 200);
    const seam = Math.abs(loop[loop.length - 1]! - loop[0]!) / 32768;
    const inside = maxStep(loop);
    expect(plainSeam).toBeGreaterThan(inside * 5);
    expect(seam).toBeLessThanOrEqual(inside);
    expect(loop.length).toBe(clip.length - 1600);
  });
});

describe("backgroundFrames", () => {
  it("yields 20 ms mono frames at the source's rate, scaled by the volume", async () => {
    const loud = backgroundFrames(createBackgroundSource("nature", 48000, { seed: 5 })!, { volume: 1 });
    const soft = backgroundFrames(createBackgroundSource("nature", 48000, { seed: 5 })!, { volume: 0.25 });
    let checked = 0;
    for (let n = 0; n < 50; n++) {
      const a = (await loud.next()).value!;
      const b = (await soft.next()).value!;
      expect([a.sampleRate, a.channels, a.samplesPerChannel]).toEqual([48000, 1, 960]);
      for (let i = 0; i < 960; i++) {
        expect(Math.abs(b.data[i]! - a.data[i]! * 0.25)).toBeLessThanOrEqual(0.5);
        if (Math.abs(a.data[i]!) > 1000) checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("stops when its signal is aborted", async () => {
    const controller = new AbortController();
    const frames = backgroundFrames(createBackgroundSource("cafe", 16000)!, { volume: 0.2, frameMs: 10, signal: controller.signal });
    expect((await frames.next()).value?.samplesPerChannel).toBe(160);
    controller.abort();
    expect((await frames.next()).done).toBe(true);
  });
});
