import { describe, expect, it } from "vitest";
import { LocalAudioInput } from "./audio-input.ts";

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
});
