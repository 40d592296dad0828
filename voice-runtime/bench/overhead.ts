// The runtime's own orchestration overhead per turn. A caller streams a real utterance (made by
// flite) over the local WebSocket transport into a full session — Silero VAD, the session runner,
// reporting to a stand-in runtime API — whose STT, LLM and TTS are fakes of fixed, known latency.
// Voice-to-voice is measured at the caller, from the end of its speech to the first agent audio.
// The overhead is the runtime's share of it: from the moment the VAD declares the end of speech
// (the session's user state turns to listening; the configured silence has passed) to the first
// agent audio at the caller, minus the providers' latencies (STT + LLM TTFT + TTS TTFB) as the
// library measured them for that turn (fixed by construction, give or take a timer tick).
// Barge-in is timed from the caller's first speech frame to the last frame of agent audio it
// receives before the agent goes quiet.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initializeLogger, voice } from "@livekit/agents";
import { RuntimeApi } from "../src/api/client.ts";
import { setLogLevel } from "../src/log.ts";
import { ProviderRegistry } from "../src/providers/registry.ts";
import { startSession, turnHandlingFor, type RunnerDeps } from "../src/session/runner.ts";
import { createHttpGuard } from "../src/tools/http-guard.ts";
import { localCallIo } from "../src/transport/local/call-io.ts";
import { connectLocalMedia, type LocalMediaClient } from "../src/transport/local/client.ts";
import { startLocalMediaServer } from "../src/transport/local/server.ts";
import { mediaToken } from "../src/transport/local/testing.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret } from "../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../test/fixtures.ts";
import { speak } from "../test/speak.ts";

const sttMs = 100;
const ttftMs = 200;
const ttfbMs = 100;
const rateHz = 16_000;
const frameMs = 20;
const frameSamples = (rateHz * frameMs) / 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Frames louder than this (about -36 dBFS) count as speech. */
const speechRms = 500;

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** Arrival time of the last agent frame before the agent went quiet (a gap of 3+ frame periods). */
function stoppedAt(received: { atMs: number }[], fromMs: number): number {
  const after = received.filter((a) => a.atMs >= fromMs);
  for (let i = 0; i + 1 < after.length; i++) {
    const here = after[i]?.atMs ?? 0;
    if ((after[i + 1]?.atMs ?? 0) - here > 3 * frameMs) return here;
  }
  return after.at(-1)?.atMs ?? Number.NaN;
}

/** A microphone: silence in real time, with speech inserted when asked. */
class Microphone {
  #queue: Int16Array[] = [];
  #running = true;
  lastSpeechSentAtMs = 0;
  firstSpeechSentAtMs = 0;
  readonly #done: Promise<void>;

  constructor(client: LocalMediaClient) {
    this.#done = (async () => {
      const start = Date.now();
      for (let i = 0; this.#running; i++) {
        const frame = this.#queue.shift();
        client.sendPcm(frame ?? new Int16Array(frameSamples));
        // Speech is where the recording is loud, not its leading and trailing silence.
        if (frame && rms(frame) > speechRms) {
          if (this.firstSpeechSentAtMs === 0) this.firstSpeechSentAtMs = Date.now();
          this.lastSpeechSentAtMs = Date.now();
        }
        const due = start + (i + 1) * frameMs;
        await sleep(Math.max(0, due - Date.now()));
      }
    })();
  }

  say(samples: Int16Array): void {
    this.firstSpeechSentAtMs = 0;
    for (let at = 0; at < samples.length; at += frameSamples) {
      const frame = new Int16Array(frameSamples);
      frame.set(samples.subarray(at, Math.min(at + frameSamples, samples.length)));
      this.#queue.push(frame);
    }
  }

  get speaking(): boolean {
    return this.#queue.length > 0;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await sleep(5);
  }
  return false;
}

export async function runtimeBench(opts: { turns?: number; bargeIns?: number } = {}): Promise<string[]> {
  initializeLogger({ pretty: false, level: "error" });
  setLogLevel("error");
  const turns = opts.turns ?? 55;
  const warmup = 5;
  const bargeIns = opts.bargeIns ?? 8;
  const dir = mkdtempSync(join(tmpdir(), "speaknode-bench-"));
  const speech = speak("hello there, how are you", dir, rateHz);
  const api = await startFakeRuntimeApi();
  const tts = new FixedLatencyTTS({ ttfbMs, msPerChar: 5 });
  const stt = new FixedLatencySTT({ latencyMs: sttMs, transcripts: Array.from({ length: turns + bargeIns + 5 }, () => "hello") });
  const fakeLlm = new voice.testing.FakeLLM([{ input: "hello", content: "Okay, noted.", ttft: ttftMs }]);
  const deps: RunnerDeps = {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "bench" }),
    providers: new ProviderRegistry(
      { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined },
      { llm: { fake: () => fakeLlm }, stt: { fake: () => stt }, tts: { fake: () => tts } },
    ),
    guard: createHttpGuard({ allowPrivateHosts: [] }),
    heartbeatIntervalMs: 5000,
    maxResponseChars: 8000,
    recording: { enabled: true, dir },
  };
  /** When the VAD declared the end of each user utterance, and the providers' measured latencies. */
  const endsOfSpeech: number[] = [];
  const providerMs: { atMs: number; ms: number }[] = [];
  let outcome: Promise<unknown> = Promise.resolve();
  const server = await startLocalMediaServer({
    port: 0,
    tokenSecret: testTokenSecret,
    onChannel: (channel) =>
      void startSession(localCallIo(channel), deps).then((started) => {
        if (!("session" in started)) return;
        outcome = started.outcome;
        started.session.on(voice.AgentSessionEventTypes.UserStateChanged, (ev) => {
          if (ev.oldState === "speaking" && ev.newState === "listening") endsOfSpeech.push(Date.now());
        });
        started.session.on(voice.AgentSessionEventTypes.MetricsCollected, ({ metrics: m }) => {
          // The TTS reports twice (its sentence adapter and itself): count the provider's own.
          const ms = m.type === "stt_metrics" ? m.durationMs : m.type === "llm_metrics" ? m.ttftMs : m.type === "tts_metrics" && !m.streamed ? m.ttfbMs : undefined;
          if (ms !== undefined) providerMs.push({ atMs: Date.now(), ms });
        });
      }),
  });
  const sid = newSessionId();
  const config = runtimeConfig({ sessionId: sid });
  api.sessions.set(sid, config);
  const client = connectLocalMedia({ url: `${server.url}?session=${sid}`, token: await mediaToken(sid), sampleRateHz: rateHz });
  await client.ready;
  const mic = new Microphone(client);
  const handling = turnHandlingFor(config.agent.vad);
  const overheads: number[] = [];
  const voiceToVoice: number[] = [];
  const bargeInStops: number[] = [];
  try {
    // The greeting plays first.
    await until(() => client.received.length > 0, 10_000);
    await sleep(1500);
    for (let turn = 0; turn < turns; turn++) {
      const before = client.received.length;
      mic.say(speech);
      await until(() => !mic.speaking, 10_000);
      const speechEnd = mic.lastSpeechSentAtMs;
      if (!(await until(() => client.received.length > before, 10_000))) throw new Error(`turn ${turn}: no reply`);
      const firstAudio = client.received[before]?.atMs ?? Number.NaN;
      const endOfSpeech = endsOfSpeech.filter((t) => t <= firstAudio).at(-1) ?? Number.NaN;
      const providersSum = providerMs.filter((p) => p.atMs >= endOfSpeech && p.atMs <= firstAudio).reduce((sum, p) => sum + p.ms, 0);
      if (turn >= warmup) {
        voiceToVoice.push(firstAudio - speechEnd);
        overheads.push(firstAudio - endOfSpeech - providersSum);
      }
      // Let the short reply play out before the next turn.
      await sleep(600);
    }
    tts.msPerChar = 400;
    for (let i = 0; i < bargeIns; i++) {
      const before = client.received.length;
      mic.say(speech);
      await until(() => !mic.speaking, 10_000);
      await until(() => client.received.length > before + 10, 10_000);
      await sleep(500);
      mic.say(speech);
      await until(() => mic.firstSpeechSentAtMs > 0, 5000);
      const speechStart = mic.firstSpeechSentAtMs;
      // The agent pauses on the caller's voice (and drops the reply once the words are heard).
      await sleep(1500);
      bargeInStops.push(stoppedAt(client.received, speechStart) - speechStart);
      await until(() => !mic.speaking, 10_000);
      await sleep(3000);
    }
  } finally {
    await mic.stop();
    await client.end();
    await outcome;
    await server.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] ?? Number.NaN;
  const f = (n: number) => n.toFixed(1);
  return [
    `BENCH runtime.overhead.p50_ms=${f(pct(overheads, 50))} ms`,
    `BENCH runtime.overhead.p99_ms=${f(pct(overheads, 99))} ms`,
    `BENCH runtime.voice_to_voice.p50_ms=${f(pct(voiceToVoice, 50))} ms`,
    `BENCH runtime.bargein_stop_ms=${f(pct(bargeInStops, 50))} ms`,
    `(${overheads.length} turns over the local transport with Silero VAD; overhead = first agent audio at the caller − the VAD's end of speech − the providers' measured STT (${sttMs} ms), LLM TTFT (${ttftMs} ms) and TTS TTFB (${ttfbMs} ms); voice-to-voice also holds the ${config.agent.vad.minSilenceMs} ms end-of-speech silence; barge-in is the median of ${bargeInStops.length}, from the caller's first speech frame to the last agent frame, including the VAD's speech detection and the ${handling.interruption.minDuration} ms minimum interruption)`,
  ];
}
