// The runtime's own orchestration overhead per turn, and voice-to-voice with semantic end of turn.
// A caller streams a real utterance (flite) over the local WebSocket transport into a full session
// (bench/harness.ts) whose STT, LLM and TTS are fakes of fixed, known latency.
//
// Voice-to-voice is measured at the caller, from the end of its speech to the first agent audio.
// The overhead is the runtime's share of it: from the moment the VAD declares the end of speech
// (the session's user state turns to listening) to the first agent audio at the caller, minus the
// providers' latencies (STT + LLM TTFT + TTS TTFB) as the library measured them for that turn.
//
// The agent takes turns with semantic detection (LiveKit's local end-of-turn model, the default)
// on an utterance the model judges finished ("thank you goodbye": ~0.7 against the English
// threshold 0.36 on flite's voice), so the turn ends after the minimum endpointing delay; a turn
// the model judged unfinished waits the maximum delay by design and is counted, not timed. The
// same run measures a call with VAD detection (the agent's silence) as the baseline.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { voice } from "@livekit/agents";
import { FixedLatencySTT, FixedLatencyTTS } from "../test/fake-providers.ts";
import { speak } from "../test/speak.ts";
import { percentile, rateHz, sleep, startBenchCall, until } from "./harness.ts";

const sttMs = 100;
const ttftMs = 200;
const ttfbMs = 100;
/** A sentence the end-of-turn model is confident is complete (flite `rms`). */
export const finishedUtterance = "thank you goodbye";

interface TurnFigures {
  overheads: number[];
  voiceToVoice: number[];
  /** Turns the end-of-turn model judged unfinished (they wait the maximum delay). */
  unsure: number;
  probabilities: number[];
  /** The agent's VAD silence (VAD detection waits it out; semantic detection shortens it). */
  vadSilenceMs: number;
}

async function measureCall(dir: string, speech: Int16Array, detection: "semantic" | "vad", turns: number, warmup: number): Promise<TurnFigures> {
  const tts = new FixedLatencyTTS({ ttfbMs, msPerChar: 5 });
  const stt = new FixedLatencySTT({ latencyMs: sttMs, transcripts: Array.from({ length: turns + warmup + 5 }, () => "hello") });
  const llm = new voice.testing.FakeLLM([{ input: "hello", content: "Okay, noted.", ttft: ttftMs }]);
  /** When the VAD declared the end of each user utterance, the providers' measured latencies, the model's judgements. */
  const endsOfSpeech: number[] = [];
  const providerMs: { atMs: number; ms: number }[] = [];
  const predictions: { atMs: number; probability: number; threshold: number }[] = [];
  const call = await startBenchCall({
    dir,
    providers: { stt, llm, tts },
    turn: { detection },
    onSession: (session) => {
      session.on(voice.AgentSessionEventTypes.UserStateChanged, (ev) => {
        if (ev.oldState === "speaking" && ev.newState === "listening") endsOfSpeech.push(Date.now());
      });
      session.on(voice.AgentSessionEventTypes.EotPrediction, (ev) => predictions.push({ atMs: Date.now(), probability: ev.probability, threshold: ev.threshold }));
      session.on(voice.AgentSessionEventTypes.MetricsCollected, ({ metrics: m }) => {
        // The TTS reports twice (its sentence adapter and itself): count the provider's own.
        const ms = m.type === "stt_metrics" ? m.durationMs : m.type === "llm_metrics" ? m.ttftMs : m.type === "tts_metrics" && !m.streamed ? m.ttfbMs : undefined;
        if (ms !== undefined) providerMs.push({ atMs: Date.now(), ms });
      });
    },
  });
  const figures: TurnFigures = { overheads: [], voiceToVoice: [], unsure: 0, probabilities: [], vadSilenceMs: call.config.agent.vad.minSilenceMs };
  try {
    const { client, mic } = call;
    for (let turn = 0; turn < turns + warmup; turn++) {
      const before = client.received.length;
      mic.say(speech);
      await until(() => !mic.speaking, 10_000);
      const speechEnd = mic.lastSpeechSentAtMs;
      if (!(await until(() => client.received.length > before, 10_000))) throw new Error(`${detection} turn ${turn}: no reply`);
      const firstAudio = client.received[before]?.atMs ?? Number.NaN;
      const endOfSpeech = endsOfSpeech.filter((t) => t <= firstAudio).at(-1) ?? Number.NaN;
      const providersSum = providerMs.filter((p) => p.atMs >= endOfSpeech && p.atMs <= firstAudio).reduce((sum, p) => sum + p.ms, 0);
      const judged = predictions.filter((p) => p.atMs >= speechEnd && p.atMs <= firstAudio).at(-1);
      // Let the short reply play out before the next turn.
      await sleep(600);
      if (turn < warmup) continue;
      if (judged) figures.probabilities.push(judged.probability);
      if (judged && judged.probability < judged.threshold) {
        figures.unsure += 1;
        continue;
      }
      figures.voiceToVoice.push(firstAudio - speechEnd);
      figures.overheads.push(firstAudio - endOfSpeech - providersSum);
    }
  } finally {
    await call.close();
  }
  return figures;
}

/** Overhead and voice-to-voice of semantic turn detection, with a VAD-detection call as the in-run baseline. */
export async function runtimeBench(opts: { turns?: number } = {}): Promise<string[]> {
  const turns = opts.turns ?? 25;
  const warmup = 3;
  const dir = mkdtempSync(join(tmpdir(), "speaknode-bench-"));
  try {
    const speech = speak(finishedUtterance, dir, rateHz);
    const semantic = await measureCall(dir, speech, "semantic", turns, warmup);
    const vad = await measureCall(dir, speech, "vad", turns, warmup);
    const f = (n: number) => n.toFixed(1);
    const p50 = (xs: number[]) => f(percentile(xs, 50));
    const probs = semantic.probabilities;
    return [
      `BENCH runtime.overhead.p50_ms=${p50(semantic.overheads)} ms`,
      `BENCH runtime.overhead.p99_ms=${f(percentile(semantic.overheads, 99))} ms`,
      `BENCH runtime.voice_to_voice.p50_ms=${p50(semantic.voiceToVoice)} ms`,
      `BENCH runtime.voice_to_voice.vad_baseline.p50_ms=${p50(vad.voiceToVoice)} ms`,
      `BENCH runtime.overhead.vad_baseline.p50_ms=${p50(vad.overheads)} ms`,
      `(${semantic.overheads.length} timed turns with semantic end of turn on "${finishedUtterance}" (flite rms; the end-of-turn model's median probability ${probs.length > 0 ? percentile(probs, 50).toFixed(2) : "n/a"}, ${semantic.unsure} of ${turns} turns judged unfinished and left out: they wait the maximum delay by design), and ${vad.overheads.length} with VAD end of turn (the agent's ${vad.vadSilenceMs} ms silence), each call over the local transport with Silero VAD; overhead = first agent audio at the caller − the VAD's end of speech − the providers' measured STT (${sttMs} ms), LLM TTFT (${ttftMs} ms) and TTS TTFB (${ttfbMs} ms); voice-to-voice runs from the caller's last loud frame and holds the VAD's detection, its end-of-speech silence and the providers)`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
