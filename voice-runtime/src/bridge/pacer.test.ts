import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Pacer } from "./pacer.ts";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function pacer(options: { buffered?: () => number; maxQueueMs?: number } = {}) {
  const sent: { atMs: number; first: number; length: number }[] = [];
  const p = new Pacer({
    sampleRateHz: 8000,
    leadMs: 60,
    maxQueueMs: options.maxQueueMs ?? 2000,
    bufferedAmount: options.buffered ?? (() => 0),
    send: (frame) => sent.push({ atMs: Date.now(), first: frame[0]!, length: frame.length }),
  });
  p.resume();
  return { p, sent };
}

const ramp = (frames: number) => Int16Array.from({ length: frames * 160 }, (_, i) => Math.floor(i / 160) + 1);

describe("the pacer toward VoxImplant", () => {
  it("cuts audio into 20 ms frames and sends the lead at once, then one frame per 20 ms", () => {
    const { p, sent } = pacer();
    p.push(ramp(10));
    expect(sent.map((s) => s.first)).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(100);
    expect(sent.length).toBe(8);
    for (const [i, s] of sent.entries()) expect(s.atMs - 1_000_000).toBeGreaterThanOrEqual((i - 3) * 20);
    vi.advanceTimersByTime(100);
    expect(sent.map((s) => s.first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(sent.every((s) => s.length === 160)).toBe(true);
  });

  it("keeps a partial frame until more audio completes it, and pads it out on drain", async () => {
    const { p, sent } = pacer();
    p.push(new Int16Array(100).fill(7));
    expect(sent).toHaveLength(0);
    p.push(new Int16Array(100).fill(7));
    expect(sent).toHaveLength(1);
    const drained = p.drain(1000);
    await drained;
    expect(sent).toHaveLength(2);
    expect(sent[1]!.length).toBe(160);
  });

  it("waits while the socket is backed up, and drops the oldest audio beyond its bound", () => {
    let buffered = 1_000_000;
    const { p, sent } = pacer({ buffered: () => buffered, maxQueueMs: 200 });
    p.push(ramp(15));
    vi.advanceTimersByTime(200);
    expect(sent).toHaveLength(0);
    expect(p.metrics.drops).toBe(5);
    expect(p.queueMs).toBe(200);
    buffered = 0;
    vi.advanceTimersByTime(20);
    expect(sent[0]!.first).toBe(6);
  });

  it("counts an underrun when the far side ran dry in the middle of speech, not at a pause", () => {
    const { p } = pacer();
    p.push(ramp(1));
    vi.advanceTimersByTime(40); // the frame played out 20 ms ago
    p.push(ramp(1));
    expect(p.metrics.underruns).toBe(1);
    vi.advanceTimersByTime(1000); // a real pause
    p.push(ramp(1));
    expect(p.metrics.underruns).toBe(1);
  });

  it("drops everything queued on clear, and sends nothing before resume", () => {
    const sent: number[] = [];
    const p = new Pacer({ sampleRateHz: 8000, bufferedAmount: () => 0, send: (frame) => sent.push(frame[0]!) });
    p.push(ramp(5));
    expect(sent).toHaveLength(0);
    p.resume();
    expect(sent).toHaveLength(3);
    p.clear();
    expect(p.queueMs).toBe(0);
    vi.advanceTimersByTime(200);
    expect(sent).toHaveLength(3);
  });

  it("holds a new talk spurt until its jitter cushion is queued, or its first frame waited long enough", () => {
    const sent: number[] = [];
    const p = new Pacer({ sampleRateHz: 8000, prebufferMs: 40, bufferedAmount: () => 0, send: (frame) => sent.push(Date.now()) });
    p.resume();
    p.push(ramp(1));
    vi.advanceTimersByTime(10);
    expect(sent).toHaveLength(0);
    p.push(ramp(1)); // 40 ms queued: the spurt starts
    expect(sent).toHaveLength(2);
    // Mid-spurt frames go straight out; after a pause a lone frame waits out the cushion.
    vi.advanceTimersByTime(1000);
    p.push(ramp(1));
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(40);
    expect(sent).toHaveLength(3);
  });
});
