// The runtime's own orchestration overhead per turn. A caller streams a real utterance (made by
// flite) over the local WebSocket transport into a full session — Silero VAD, the session runner,
// reporting to a stand-in runtime API — whose STT, LLM and TTS are fakes of fixed, known latency.
// Voice-to-voice is measured at the caller, from the end of its speech to the first agent audio;
// the overhead is what remains after the known waits: the VAD's end-of-speech silence, the
// endpointing delay, and the providers' latencies. Barge-in is timed from the caller's first
// speech frame to the last frame of agent audio it receives.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initializeLogger, voice } from "@livekit/agents";
import { RuntimeApi } from "../src/api/client.ts";
import { readWav } from "../src/audio/wav.ts";
import { ProviderRegistry } from "../src/providers/registry.ts";
import { runSession, turnHandlingFor, type RunnerDeps } from "../src/session/runner.ts";
import { createHttpGuard } from "../src/tools/http-guard.ts";
import { localCallIo } from "../src/transport/local/call-io.ts";
import { connectLocalMedia, type LocalMediaClient } from "../src/transport/local/client.ts";
import { startLocalMediaServer } from "../src/transport/local/server.ts";
import { mediaToken } from "../src/transport/local/testing.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret } from "../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../test/fixtures.ts";

const sttMs = 100;
const ttftMs = 200;
const ttfbMs = 100;
const rateHz = 16_000;
const frameMs = 20;
const frameSamples = (rateHz * frameMs) / 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function utterance(dir: string): Int16Array {
  const raw = join(dir, "raw.wav");
  const wav = join(dir, "hello.wav");
  const flite = spawnSync("flite", ["-voice", "rms", "-t", "hello there, how are you", "-o", raw]);
  if (flite.status !== 0) throw new Error("the runtime bench needs flite (apt-get install flite sox)");
  const sox = spawnSync("sox", [raw, "-r", String(rateHz), "-c", "1", "-b", "16", wav]);
  if (sox.status !== 0) throw new Error("the runtime bench needs sox");
  return readWav(wav).samples;
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
        if (frame) {
          if (this.firstSpeechSentAtMs === 0) this.firstSpeechSentAtMs = Date.now();
          if (this.#queue.length === 0) this.lastSpeechSentAtMs = Date.now();
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
  const turns = opts.turns ?? 55;
  const warmup = 5;
  const bargeIns = opts.bargeIns ?? 8;
  const dir = mkdtempSync(join(tmpdir(), "speaknode-bench-"));
  const speech = utterance(dir);
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
  const server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: (channel) => void runSession(localCallIo(channel), deps) });
  const sid = newSessionId();
  const config = runtimeConfig({ sessionId: sid });
  api.sessions.set(sid, config);
  const client = connectLocalMedia({ url: `${server.url}?session=${sid}`, token: await mediaToken(sid), sampleRateHz: rateHz });
  await client.ready;
  const mic = new Microphone(client);
  const handling = turnHandlingFor(config.agent.vad);
  const knownWaitMs = config.agent.vad.minSilenceMs + (handling.endpointing.minDelay ?? 0);
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
      const v2v = firstAudio - speechEnd;
      if (turn >= warmup) {
        voiceToVoice.push(v2v);
        overheads.push(v2v - knownWaitMs - sttMs - ttftMs - ttfbMs);
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
      const clearsBefore = client.clears.length;
      mic.say(speech);
      if (!(await until(() => client.clears.length > clearsBefore, 5000))) throw new Error("barge-in: the agent did not stop");
      await sleep(200);
      const voiceFrames = client.received.filter((a) => a.atMs <= (client.clears[clearsBefore] ?? 0));
      const lastVoiceAt = voiceFrames.at(-1)?.atMs ?? Number.NaN;
      bargeInStops.push(lastVoiceAt - mic.firstSpeechSentAtMs);
      await until(() => !mic.speaking, 10_000);
      await sleep(2500);
    }
  } finally {
    await mic.stop();
    await client.end();
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
    `(${overheads.length} turns over the local transport; known waits subtracted: VAD end-of-speech silence ${config.agent.vad.minSilenceMs} ms, endpointing ${handling.endpointing.minDelay ?? 0} ms, STT ${sttMs} ms, LLM TTFT ${ttftMs} ms, TTS TTFB ${ttfbMs} ms; barge-in is the median of ${bargeInStops.length}, from the caller's first speech frame to the last agent frame, and includes the VAD's speech detection and the ${handling.interruption.minDuration ?? 0} ms minimum interruption)`,
  ];
}
