import { describe, expect, it } from "vitest";
import { PlaybackQueue } from "./playback-queue.ts";

const block = (): Float32Array => new Float32Array(128);
const audio = (n: number, value = 0.5): Float32Array => new Float32Array(n).fill(value);

describe("PlaybackQueue (jitter buffer)", () => {
  it("waits for the start threshold before playing", () => {
    const queue = new PlaybackQueue(300);
    queue.pushAudio(audio(200));
    const out = block();
    expect(queue.render(out).played).toBe(false);
    expect(out.every((s) => s === 0)).toBe(true);
    queue.pushAudio(audio(200));
    expect(queue.render(out).played).toBe(true);
    expect(out[0]).toBe(0.5);
    expect(queue.bufferedSamples).toBe(272);
  });

  it("plays a short segment at once when its end mark is queued, and reports the mark after its audio", () => {
    const queue = new PlaybackQueue(10_000);
    queue.pushAudio(audio(200));
    queue.pushMark("seg-1");
    const out = block();
    expect(queue.render(out)).toEqual({ marks: [], played: true });
    const second = queue.render(out);
    expect(second).toEqual({ marks: ["seg-1"], played: true });
    // The rest of the block after the segment is silence.
    expect(out[71]).toBe(0.5);
    expect(out[72]).toBe(0);
  });

  it("reports a mark with no audio before it at once", () => {
    const queue = new PlaybackQueue(300);
    queue.pushMark("m");
    expect(queue.render(block()).marks).toEqual(["m"]);
  });

  it("drops audio and marks on clear", () => {
    const queue = new PlaybackQueue(10);
    queue.pushAudio(audio(1000));
    queue.pushMark("never");
    queue.render(block());
    queue.clear();
    const out = block();
    expect(queue.render(out)).toEqual({ marks: [], played: false });
    expect(out.every((s) => s === 0)).toBe(true);
    expect(queue.bufferedSamples).toBe(0);
  });

  it("buffers up again after running dry", () => {
    const queue = new PlaybackQueue(256);
    queue.pushAudio(audio(256));
    queue.render(block());
    queue.render(block());
    queue.pushAudio(audio(100));
    expect(queue.render(block()).played).toBe(false);
    queue.pushAudio(audio(200));
    expect(queue.render(block()).played).toBe(true);
  });

  it("keeps audio in order across items", () => {
    const queue = new PlaybackQueue(1);
    queue.pushAudio(audio(100, 0.1));
    queue.pushAudio(audio(100, 0.2));
    const out = block();
    queue.render(out);
    expect(out[99]).toBeCloseTo(0.1);
    expect(out[100]).toBeCloseTo(0.2);
  });
});
