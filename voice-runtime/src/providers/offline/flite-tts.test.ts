import { tokenize, tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { afterEach, describe, expect, it } from "vitest";
import { FLITE_SAMPLE_RATE_HZ, FliteOptionsError, FliteTTS, listFliteVoices, trimLeadingSilence } from "./flite-tts.ts";

const open: FliteTTS[] = [];
function flite(options: ConstructorParameters<typeof FliteTTS>[0] = {}): FliteTTS {
  const instance = new FliteTTS(options);
  open.push(instance);
  return instance;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function framesOf(stream: AsyncIterable<{ frame: AudioFrame; final: boolean }>): Promise<{ frames: AudioFrame[]; finals: boolean[] }> {
  const frames: AudioFrame[] = [];
  const finals: boolean[] = [];
  for await (const audio of stream) {
    frames.push(audio.frame);
    finals.push(audio.final);
  }
  return { frames, finals };
}

const seconds = (frames: AudioFrame[]) => frames.reduce((s, f) => s + f.samplesPerChannel / f.sampleRate, 0);
function rms(frames: AudioFrame[]): number {
  let sum = 0;
  let n = 0;
  for (const f of frames) for (const v of f.data.subarray(0, f.samplesPerChannel)) (sum += v * v), n++;
  return Math.sqrt(sum / Math.max(1, n));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("FliteTTS", () => {
  it("emits 20 ms mono frames of audible speech at the declared sample rate", async () => {
    const voice = flite();
    expect(voice.sampleRate).toBe(FLITE_SAMPLE_RATE_HZ);
    const { frames, finals } = await framesOf(voice.synthesize("please check the order four two"));
    expect(frames.length).toBeGreaterThan(20);
    for (const f of frames) {
      expect(f.sampleRate).toBe(voice.sampleRate);
      expect(f.channels).toBe(1);
    }
    expect(frames.slice(0, -1).every((f) => f.samplesPerChannel === 320)).toBe(true);
    expect(finals.filter(Boolean)).toHaveLength(1);
    expect(finals.at(-1)).toBe(true);
    expect(seconds(frames)).toBeGreaterThan(1);
    expect(rms(frames)).toBeGreaterThan(300);
  });

  it("starts speaking in its second frame: flite's silence before the voice is cut to a 20 ms lead-in", async () => {
    const { frames } = await framesOf(flite().synthesize("Hello Ada! This is the Speaknode demo."));
    const loud = frames.findIndex((f) => f.data.subarray(0, f.samplesPerChannel).some((v) => Math.abs(v) >= 300));
    expect(loud).toBeGreaterThanOrEqual(0);
    expect(loud).toBeLessThanOrEqual(1);
  });

  it("keeps silent audio and the silence after the voice as they are", () => {
    const silent = new Int16Array(1600);
    expect(trimLeadingSilence(silent)).toBe(silent);
    const speech = new Int16Array(16_000);
    speech.fill(1000, 8000, 12_000);
    const trimmed = trimLeadingSilence(speech);
    expect(trimmed.length).toBe(16_000 - 8000 + 320);
    expect(trimmed.at(-1)).toBe(0);
  });

  it("speaks noticeably faster at speed 2 than at speed 1", async () => {
    const text = "the quick brown fox jumps over the lazy dog";
    const normal = seconds((await framesOf(flite({ speed: 1 }).synthesize(text))).frames);
    const fast = seconds((await framesOf(flite({ speed: 2 }).synthesize(text))).frames);
    expect(fast).toBeLessThan(normal * 0.7);
  });

  it("resamples the 8 kHz kal voice up to the declared rate", async () => {
    const { frames } = await framesOf(flite({ voice: "kal" }).synthesize("hello there"));
    expect(frames.every((f) => f.sampleRate === FLITE_SAMPLE_RATE_HZ)).toBe(true);
    expect(seconds(frames)).toBeGreaterThan(0.4);
    expect(rms(frames)).toBeGreaterThan(300);
  });

  it("refuses voices flite does not list, including paths and URLs, and speeds outside 0.5-2", () => {
    expect(listFliteVoices()).toContain("rms");
    expect(() => new FliteTTS({ voice: "nobody" })).toThrow(FliteOptionsError);
    expect(() => new FliteTTS({ voice: "/etc/passwd" })).toThrow(/unknown flite voice/);
    expect(() => new FliteTTS({ voice: "http://example.com/v.flitevox" })).toThrow(FliteOptionsError);
    expect(() => new FliteTTS({ speed: 3 })).toThrow(FliteOptionsError);
    expect(() => new FliteTTS({ speed: 0.2 })).toThrow(/between 0.5 and 2/);
  });

  it("speaks text that starts with a dash instead of reading it as an option", async () => {
    const { frames } = await framesOf(flite().synthesize("-voice kal -o /tmp/x.wav"));
    expect(seconds(frames)).toBeGreaterThan(1);
  });

  it("emits nothing for empty text", async () => {
    const { frames } = await framesOf(flite().synthesize("   "));
    expect(frames).toHaveLength(0);
  });

  it("kills the flite process when the synthesis is aborted", async () => {
    const voice = flite();
    const controller = new AbortController();
    const long = Array.from({ length: 60 }, () => "This is a long sentence that keeps going for a while.").join(" ");
    const stream = voice.synthesize(long, undefined, controller.signal);
    const collected = framesOf(stream);
    await waitFor(() => voice.runningProcessIds().length === 1);
    const [pid] = voice.runningProcessIds();
    controller.abort();
    const { frames } = await collected;
    expect(frames).toHaveLength(0);
    await waitFor(() => !alive(pid ?? 0));
    expect(voice.runningProcessIds()).toEqual([]);
  });

  it("has no streaming mode of its own but works behind tts.StreamAdapter with a sentence tokenizer", async () => {
    const voice = flite();
    expect(voice.capabilities.streaming).toBe(false);
    expect(() => voice.stream()).toThrow(/StreamAdapter/);
    const adapter = new tts.StreamAdapter(voice, new tokenize.basic.SentenceTokenizer());
    const stream = adapter.stream();
    stream.pushText("Hello there, this is the first sentence. ");
    stream.pushText("And here comes a second one.");
    stream.endInput();
    const frames: AudioFrame[] = [];
    for await (const audio of stream) {
      if (audio === tts.SynthesizeStream.END_OF_STREAM) break;
      frames.push(audio.frame);
    }
    expect(frames.every((f) => f.sampleRate === FLITE_SAMPLE_RATE_HZ)).toBe(true);
    expect(seconds(frames)).toBeGreaterThan(2);
    await adapter.close();
  });
});

