import { describe, expect, it } from "vitest";
import { LocalAudioInput, maxFillAfterMs } from "./audio-input.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function collect(input: LocalAudioInput, forMs: number): Promise<{ samples: number; loud: number }[]> {
  const reader = input.stream.getReader();
  const frames: { samples: number; loud: number }[] = [];
  const deadline = Date.now() + forMs;
  while (Date.now() < deadline) {
    const next = await Promise.race([reader.read(), sleep(deadline - Date.now()).then(() => null)]);
    if (!next || next.done) break;
    const data = next.value.data;
    frames.push({ samples: data.length, loud: data.filter((v) => v !== 0).length });
  }
  reader.releaseLock();
  return frames;
}

describe("the local audio input", () => {
  it("cuts the caller's chunks into whole frames at the caller's rate", async () => {
    const input = new LocalAudioInput({ sampleRateHz: 8000, frameMs: 20 });
    input.pushPcm(new Int16Array(250).fill(100));
    input.pushPcm(new Int16Array(70).fill(100));
    const frames = await collect(input, 60);
    expect(frames.slice(0, 2)).toEqual([
      { samples: 160, loud: 160 },
      { samples: 160, loud: 160 },
    ]);
    input.end();
  });

  it("fills a silent client's gaps with silence in real time, so the VAD can end the turn", async () => {
    const input = new LocalAudioInput({ sampleRateHz: 16_000, frameMs: 20 });
    input.pushPcm(new Int16Array(1600).fill(1000)); // 100 ms of voice, then the client goes quiet
    const frames = await collect(input, 700);
    input.end();
    const voice = frames.filter((f) => f.loud > 0);
    const silence = frames.filter((f) => f.loud === 0);
    expect(voice).toHaveLength(5);
    // 700 ms heard in all, give or take the slack before filling and timer jitter.
    expect(silence.length).toBeGreaterThanOrEqual(18);
    expect(silence.length).toBeLessThanOrEqual(32);
    expect(silence.every((f) => f.samples === 320)).toBe(true);
  });

  it("fills nothing while the client keeps sending", async () => {
    const input = new LocalAudioInput({ sampleRateHz: 16_000, frameMs: 20 });
    const sender = setInterval(() => input.pushPcm(new Int16Array(320).fill(500)), 20);
    const frames = await collect(input, 400);
    clearInterval(sender);
    input.end();
    expect(frames.filter((f) => f.loud === 0)).toHaveLength(0);
  });

  it("fills no silence into speech when its own event loop stalled while the caller's frames waited in the socket", async () => {
    const input = new LocalAudioInput({ sampleRateHz: 16_000, frameMs: 20 });
    const sender = setInterval(() => input.pushPcm(new Int16Array(320).fill(700)), 20);
    await sleep(100);
    clearInterval(sender);
    // The loop is busy for 300 ms (in an I/O-phase callback); the frames sent meanwhile are
    // delivered on the loop's next turn, after the timers that came due have run.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const busyUntil = Date.now() + 300;
        while (Date.now() < busyUntil) {
          // a blocking model load, a long GC pause
        }
        setImmediate(() => {
          input.pushPcm(new Int16Array(320 * 15).fill(700));
          resolve();
        });
      }),
    );
    const frames = await collect(input, 150);
    input.end();
    const firstVoice = frames.findIndex((f) => f.loud > 0);
    const lastVoice = frames.findLastIndex((f) => f.loud > 0);
    expect(frames.slice(firstVoice, lastVoice + 1).filter((f) => f.loud === 0), "silence between the caller's frames").toHaveLength(0);
  });

  it("takes a gap the caller's audio came back from soon for late audio, and tolerates gaps that long from then on", async () => {
    const input = new LocalAudioInput({ sampleRateHz: 16_000, frameMs: 20 });
    const initial = input.fillToleranceMs;
    input.pushPcm(new Int16Array(1600).fill(1000));
    await sleep(400); // 300 ms missing: silence is filled after the first 100 ms of them…
    input.pushPcm(new Int16Array(1600).fill(1000)); // …but the audio was only late
    expect(input.fillToleranceMs).toBeGreaterThanOrEqual(300);
    expect(input.fillToleranceMs).toBeLessThanOrEqual(maxFillAfterMs);
    expect(initial).toBe(100);
    // 250 ms of missing audio now pass without silence filled in.
    const reader = collect(input, 500);
    await sleep(350);
    input.pushPcm(new Int16Array(1600).fill(1000));
    const frames = await reader;
    input.end();
    // Voice, the first gap filled, then the two later chunks of voice with nothing between them.
    const runs = frames.map((f) => (f.loud > 0 ? "v" : "s")).join("").replace(/(.)\1*/g, "$1");
    expect(runs.replace(/s$/, "")).toBe("vsv");
  });
});
