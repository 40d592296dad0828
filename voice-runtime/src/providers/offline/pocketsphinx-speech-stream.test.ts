import { stt, type VAD } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { AudioFrame } from "@livekit/rtc-node";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { speak } from "../../../test/speak.ts";
import { ProviderRegistry } from "../registry.ts";
import { PocketsphinxSTT } from "./pocketsphinx-stt.ts";
import { killProcessGroup } from "./speech-tools.ts";

// Frames in, events out: flite's rms voice through the STT's own Silero VAD and the warm
// pocketsphinx process, as a session feeds it (20 ms frames at the call's rate).
const LONG_PHRASE = "what are the opening hours of the store";
const SHORT_PHRASE = "where is my order";
const { START_OF_SPEECH, INTERIM_TRANSCRIPT, FINAL_TRANSCRIPT, END_OF_SPEECH, RECOGNITION_USAGE } = stt.SpeechEventType;

let dir = "";
let vad: VAD;
let shared: PocketsphinxSTT;
const made: PocketsphinxSTT[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pocketsphinx-stream-test-"));
  vad = await silero.VAD.load({ minSilenceDuration: 300, prefixPaddingDuration: 300, minSpeechDuration: 100 });
  shared = new PocketsphinxSTT({ vad });
  await shared.warmUp();
});
afterEach(async () => {
  await Promise.all(made.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await shared.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A warm streaming STT of its own (for a test that kills its process). */
async function streamingStt(): Promise<PocketsphinxSTT> {
  const recogniser = new PocketsphinxSTT({ vad });
  made.push(recogniser);
  await recogniser.warmUp();
  return recogniser;
}

const silence = (ms: number, rateHz: number) => new Int16Array((rateHz * ms) / 1000);

/** `parts` as 20 ms frames at `rateHz`; text parts are spoken by flite, numbers are silences in ms. */
function frames(parts: (string | number)[], rateHz: number): AudioFrame[] {
  const out: AudioFrame[] = [];
  const perFrame = rateHz / 50;
  for (const part of parts) {
    const samples = typeof part === "number" ? silence(part, rateHz) : speak(part, dir, rateHz);
    for (let i = 0; i < samples.length; i += perFrame) {
      const chunk = samples.slice(i, i + perFrame);
      out.push(new AudioFrame(chunk, rateHz, 1, chunk.length));
    }
  }
  return out;
}

interface Seen {
  type: stt.SpeechEventType;
  text: string;
}

/** Pushes the frames and reads events (each also to `onEvent`) until `utterances` utterances have ended. */
async function transcribe(recogniser: PocketsphinxSTT, input: AudioFrame[], utterances: number, onEvent?: (event: Seen) => void): Promise<Seen[]> {
  const stream = recogniser.stream();
  const seen: Seen[] = [];
  const reading = (async () => {
    for await (const event of stream) {
      seen.push({ type: event.type, text: event.alternatives?.[0]?.text ?? "" });
      onEvent?.(seen.at(-1) as Seen);
      if (seen.filter((e) => e.type === RECOGNITION_USAGE).length === utterances) break;
    }
  })();
  for (const [i, frame] of input.entries()) {
    stream.pushFrame(frame);
    // Let the VAD and the decoder run between frames, as real-time input does.
    if (i % 10 === 0) await new Promise((r) => setImmediate(r));
  }
  await reading;
  stream.close();
  return seen;
}

const words = (text: string) => text.toLowerCase().split(/\s+/).filter(Boolean);
const types = (seen: Seen[]) => seen.map((e) => e.type).filter((t) => t !== INTERIM_TRANSCRIPT);

describe("PocketsphinxSTT with a VAD (streaming)", () => {
  it("says it streams with interim results, and without a VAD leaves streaming to the session's adapter", () => {
    const streaming = new PocketsphinxSTT({ vad });
    const batch = new PocketsphinxSTT();
    made.push(streaming, batch);
    expect(streaming.capabilities).toMatchObject({ streaming: true, interimResults: true });
    expect(batch.capabilities).toMatchObject({ streaming: false, interimResults: false });
    expect(() => batch.stream()).toThrow(/StreamAdapter/);
  });

  it("sends interim transcripts while the caller speaks, then the final, then the end of speech", async () => {
    const seen = await transcribe(shared, frames([300, LONG_PHRASE, 800], 48_000), 1);
    expect(types(seen)).toEqual([START_OF_SPEECH, FINAL_TRANSCRIPT, END_OF_SPEECH, RECOGNITION_USAGE]);
    const interims = seen.filter((e) => e.type === INTERIM_TRANSCRIPT);
    // A 3 s phrase passes ~10 interim points; only changed texts are sent.
    expect(interims.length).toBeGreaterThanOrEqual(2);
    interims.forEach((e, i) => expect(e.text).not.toBe(interims[i - 1]?.text));
    const finalAt = seen.findIndex((e) => e.type === FINAL_TRANSCRIPT);
    expect(seen.findLastIndex((e) => e.type === INTERIM_TRANSCRIPT)).toBeLessThan(finalAt);
    expect(words(seen[finalAt]?.text ?? "")).toEqual(expect.arrayContaining(["opening", "hours", "store"]));
  });

  it("gives two finals, in order, for two utterances with a pause between them", async () => {
    const seen = await transcribe(shared, frames([300, SHORT_PHRASE, 900, LONG_PHRASE, 800], 48_000), 2);
    expect(types(seen)).toEqual([START_OF_SPEECH, FINAL_TRANSCRIPT, END_OF_SPEECH, RECOGNITION_USAGE, START_OF_SPEECH, FINAL_TRANSCRIPT, END_OF_SPEECH, RECOGNITION_USAGE]);
    const [first, second] = seen.filter((e) => e.type === FINAL_TRANSCRIPT).map((e) => words(e.text));
    expect(first).toContain("order");
    expect(second).toEqual(expect.arrayContaining(["opening", "hours"]));
  });

  it("recognises a phone call's 8 kHz audio", async () => {
    // Narrowband audio lacks what the 16 kHz model hears above 4 kHz: a phrase it still gets.
    const seen = await transcribe(shared, frames([300, "please check my order number forty two", 800], 8_000), 1);
    expect(words(seen.find((e) => e.type === FINAL_TRANSCRIPT)?.text ?? "")).toEqual(expect.arrayContaining(["order", "number"]));
  });

  it("replaces a decoder process that dies mid-utterance and still transcribes that utterance and the next", async () => {
    const recogniser = await streamingStt();
    const before = recogniser.decoderProcessId;
    const input = frames([300, LONG_PHRASE, 800, SHORT_PHRASE, 800], 48_000);
    // At the first interim the process is decoding the first phrase: it dies with that audio.
    let killed = false;
    const seen = await transcribe(recogniser, input, 2, (event) => {
      if (event.type !== INTERIM_TRANSCRIPT || killed) return;
      killed = true;
      killProcessGroup(before);
    });
    expect(killed).toBe(true);
    const [first, second] = seen.filter((e) => e.type === FINAL_TRANSCRIPT).map((e) => words(e.text));
    expect(first).toEqual(expect.arrayContaining(["opening", "hours"]));
    expect(second).toContain("order");
    expect(recogniser.decoderProcessId).toBeTypeOf("number");
    expect(recogniser.decoderProcessId).not.toBe(before);
  });

  it("is what the registry builds for pocketsphinx when the session passes its VAD, and the batch STT otherwise", () => {
    const none = undefined;
    const registry = new ProviderRegistry({ openaiApiKey: none, openaiBaseUrl: none, openrouterApiKey: none, llmApiKey: none, llmBaseUrl: none, deepgramApiKey: none, elevenlabsApiKey: none, cartesiaApiKey: none });
    const choice = { provider: "pocketsphinx", model: "en-us", params: {} };
    const streaming = registry.stt(choice, "en-US", undefined, { vad });
    const batch = registry.stt(choice, "en-US");
    made.push(streaming as PocketsphinxSTT, batch as PocketsphinxSTT);
    expect(streaming.capabilities.streaming).toBe(true);
    expect(batch.capabilities.streaming).toBe(false);
  });
});
