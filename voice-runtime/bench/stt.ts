// How soon pocketsphinx's final transcript follows the end of the caller's speech, and how many
// words it gets right, on flite `rms` phrases fed at real time (20 ms frames at 48 kHz, as a web
// call delivers them). The session's own VAD (a second Silero stream over the same frames, same
// settings) marks the end of speech, as the session sees it; the figure is the time from that
// moment to the STT's final transcript. The baseline line, measured in the same run, is the batch
// path: the library's VAD StreamAdapter recognising each utterance after its end of speech.
// Run alone: node_modules/.bin/node voice-runtime/bench/stt.ts
import { initializeLogger, stt as sttNs, type VAD, VADEventType } from "@livekit/agents";
import * as silero from "@livekit/agents-plugin-silero";
import { AudioFrame } from "@livekit/rtc-node";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, summary } from "../../scripts/bench/stats.ts";
import { speak } from "../test/speak.ts";
import { PocketsphinxSTT } from "../src/providers/offline/pocketsphinx-stt.ts";
import { concatPcm } from "../src/providers/offline/speech-tools.ts";

/** The phrases of the pocketsphinx, session and end-of-turn tests. */
export const BENCH_PHRASES = [
  "please check the order four two",
  "what are the opening hours of the store",
  "where is my order",
  "the weather is nice today",
  "please check my order number forty two",
  "hello there, how are you",
  "hello, can you hear me",
  "thank you goodbye",
  "can you check my order number forty two",
  "my phone number is five five five",
  "so I was thinking that maybe we could",
  "I would like to order a",
];

const RATE_HZ = 48_000;
const FRAME_SAMPLES = RATE_HZ / 50;

export const normalizedWords = (text: string) => text.toLowerCase().replace(/[^a-z' ]/g, " ").split(/\s+/).filter(Boolean);

/** Word-level edit distance (substitutions + insertions + deletions). */
export function wordErrors(reference: string[], hypothesis: string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const row = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[hypothesis.length] ?? 0;
}

interface Run {
  finalAfterEndMs: number[];
  errors: number;
  words: number;
  interims: number;
  missing: number;
}

/**
 * Feeds every phrase (0.5 s of silence before, `trailingMs` after) at real time through one
 * stream. The end of speech of an utterance is the moment its sample at the session VAD's
 * END_OF_SPEECH was pushed: the earliest the VAD could have said so. Measuring from the VAD event's
 * arrival instead would hide the STT's delay behind the VAD's own lag on a loaded machine.
 */
async function run(recogniser: sttNs.STT, sessionVad: VAD, phrases: readonly Int16Array[], texts: readonly string[], trailingMs: number): Promise<Run> {
  const stream = recogniser.capabilities.streaming ? recogniser.stream() : new sttNs.StreamAdapter(recogniser, sessionVad).stream();
  const vadStream = sessionVad.stream();
  const ends: number[] = []; // sample index (at RATE_HZ) of each END_OF_SPEECH
  const finals: { atMs: number; text: string }[] = [];
  const pushedAtMs: number[] = [];
  let interims = 0;
  const vadDone = (async () => {
    // samplesIndex counts samples at the VAD's inference rate (16 kHz).
    for await (const event of vadStream) if (event.type === VADEventType.END_OF_SPEECH) ends.push(Math.round((event.samplesIndex * RATE_HZ) / 16_000));
  })();
  const sttDone = (async () => {
    for await (const event of stream) {
      const text = event.alternatives?.[0]?.text ?? "";
      if (event.type === sttNs.SpeechEventType.FINAL_TRANSCRIPT && text !== "") finals.push({ atMs: performance.now(), text });
      if (event.type === sttNs.SpeechEventType.INTERIM_TRANSCRIPT) interims++;
    }
  })();
  const silence = (ms: number) => new Int16Array(Math.round((RATE_HZ * ms) / 1000));
  const samples = concatPcm(phrases.flatMap((speech) => [silence(500), speech, silence(trailingMs)]));
  const start = performance.now();
  for (let i = 0, n = 0; i < samples.length; i += FRAME_SAMPLES, n++) {
    const chunk = samples.slice(i, i + FRAME_SAMPLES);
    const frame = new AudioFrame(chunk, RATE_HZ, 1, chunk.length);
    pushedAtMs.push(performance.now());
    stream.pushFrame(frame);
    vadStream.pushFrame(frame);
    // Paced against the start, so timer drift does not accumulate.
    const due = start + (n + 1) * 20 - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
  }
  await new Promise((r) => setTimeout(r, 2_000));
  stream.close();
  vadStream.close();
  await Promise.allSettled([vadDone, sttDone]);
  const result: Run = { finalAfterEndMs: [], errors: 0, words: 0, interims, missing: 0 };
  // One utterance per phrase: the k-th end of speech and the k-th transcript belong to phrase k.
  for (const [index, text] of texts.entries()) {
    const reference = normalizedWords(text);
    result.words += reference.length;
    const end = ends[index];
    const final = finals[index];
    const endAt = end === undefined ? undefined : pushedAtMs[Math.min(pushedAtMs.length - 1, Math.floor(end / FRAME_SAMPLES))];
    if (endAt === undefined || final === undefined) {
      result.missing++;
      result.errors += reference.length;
      continue;
    }
    result.finalAfterEndMs.push(final.atMs - endAt);
    result.errors += wordErrors(reference, normalizedWords(final.text));
  }
  if (ends.length !== texts.length || finals.length !== texts.length) result.missing = Math.max(result.missing, Math.abs(ends.length - texts.length), Math.abs(finals.length - texts.length));
  return result;
}


export async function pocketsphinxLatencyBench(opts: { minSilenceMs?: number; rounds?: number } = {}): Promise<string[]> {
  const minSilenceMs = opts.minSilenceMs ?? 550;
  const dir = mkdtempSync(join(tmpdir(), "speaknode-stt-bench-"));
  const vad = await silero.VAD.load({ minSilenceDuration: minSilenceMs, prefixPaddingDuration: 500, minSpeechDuration: 100, activationThreshold: 0.5 });
  const texts = Array.from({ length: opts.rounds ?? 2 }, () => BENCH_PHRASES).flat();
  const clips = texts.map((text) => speak(text, dir, RATE_HZ));
  const lines: string[] = [];
  try {
    const variants: [string, () => sttNs.STT][] = [
      ["batch", () => new PocketsphinxSTT()],
      ["streaming", () => new PocketsphinxSTT({ vad })],
    ];
    for (const [name, make] of variants) {
      const recogniser = make();
      try {
        if (recogniser instanceof PocketsphinxSTT) await recogniser.warmUp();
        const r = await run(recogniser, vad, clips, texts, minSilenceMs + 900);
        const s = summary(r.finalAfterEndMs);
        lines.push(
          `BENCH stt.pocketsphinx.${name}.final_after_end_of_speech.p50_ms=${fmt(s.p50, 0)} ms`,
          `BENCH stt.pocketsphinx.${name}.word_error_rate=${fmt((100 * r.errors) / r.words, 1)} %`,
          `(${name}: p99 ${fmt(s.p99, 0)} ms, ${s.n} utterances, ${r.missing} without a final, VAD silence ${minSilenceMs} ms; ${r.errors}/${r.words} words wrong, ${r.interims} interim transcripts)`,
        );
      } finally {
        await recogniser.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  initializeLogger({ pretty: false, level: "warn" });
  for (const line of await pocketsphinxLatencyBench()) console.log(line);
  process.exit(0);
}
