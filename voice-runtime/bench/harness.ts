// One call for the runtime benches: a caller streams real audio (flite speech, or silence) over
// the local WebSocket transport into a full session — Silero VAD, the session runner, reporting to
// a stand-in runtime API — whose STT, LLM and TTS are the bench's fakes of known latency. The
// caller's microphone runs in real time, 20 ms a frame; what the agent says arrives in
// `client.received` with arrival times.
import { initializeLogger, voice, type llm, type stt, type tts } from "@livekit/agents";
import { TurnSettings, type RuntimeConfig } from "@speaknode/contracts";
import { RuntimeApi } from "../src/api/client.ts";
import { setLogLevel } from "../src/log.ts";
import { ProviderRegistry } from "../src/providers/registry.ts";
import { startSession, type RunnerDeps } from "../src/session/runner.ts";
import { createHttpGuard } from "../src/tools/http-guard.ts";
import { localCallIo } from "../src/transport/local/call-io.ts";
import { connectLocalMedia, type LocalMediaClient } from "../src/transport/local/client.ts";
import { startLocalMediaServer } from "../src/transport/local/server.ts";
import { mediaToken } from "../src/transport/local/testing.ts";
import { startFakeRuntimeApi, testTokenSecret } from "../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../test/fixtures.ts";

export const rateHz = 16_000;
export const frameMs = 20;
export const frameSamples = (rateHz * frameMs) / 1000;
/** Frames louder than this (about -36 dBFS) count as speech. */
export const speechRms = 500;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

export async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await sleep(5);
  }
  return predicate();
}

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Arrival time of the last agent frame before the agent went quiet (a gap of 3+ frame periods). */
export function stoppedAt(received: readonly { atMs: number }[], fromMs: number): number {
  const after = received.filter((a) => a.atMs >= fromMs);
  for (let i = 0; i + 1 < after.length; i++) {
    const here = after[i]?.atMs ?? 0;
    if ((after[i + 1]?.atMs ?? 0) - here > 3 * frameMs) return here;
  }
  return after.at(-1)?.atMs ?? Number.NaN;
}

/** A microphone: silence in real time, with sounds inserted when asked. */
export class Microphone {
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

export interface BenchProviders {
  stt: stt.STT;
  llm: llm.LLM;
  tts: tts.TTS;
}

export interface BenchCall {
  readonly config: RuntimeConfig;
  readonly client: LocalMediaClient;
  readonly mic: Microphone;
  /** The agent's session, once it started. */
  session(): voice.AgentSession;
  /** Hangs up and waits for the session's end to be reported. */
  close(): Promise<void>;
}

/** The bench's processes log errors only: a log line per frame or turn would be measured too. */
export function quietBenchLogs(): void {
  initializeLogger({ pretty: false, level: "error" });
  setLogLevel("error");
}

/**
 * The session runner's dependencies in a bench runtime: the stand-in runtime API at `apiUrl`, the
 * "fake" providers made by `providers` (once per session each), recordings written under `dir`.
 */
export function benchRunnerDeps(opts: { apiUrl: string; dir: string; providers: { stt: () => stt.STT; llm: () => llm.LLM; tts: () => tts.TTS } }): RunnerDeps {
  const { stt, llm, tts } = opts.providers;
  return {
    api: new RuntimeApi({ baseUrl: opts.apiUrl, tokenSecret: testTokenSecret, runtimeId: "bench" }),
    providers: new ProviderRegistry(
      { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined },
      { llm: { fake: llm }, stt: { fake: stt }, tts: { fake: tts } },
    ),
    guard: createHttpGuard({ allowPrivateHosts: [] }),
    heartbeatIntervalMs: 5000,
    maxResponseChars: 8000,
    recording: { enabled: true, dir: opts.dir },
  };
}

/**
 * Starts a call whose agent takes turns by `turn` (the agent's turn settings; defaults otherwise)
 * and waits until its greeting has played. `onSession` sees the session as soon as it exists.
 */
export async function startBenchCall(opts: {
  dir: string;
  providers: BenchProviders;
  turn?: Record<string, unknown>;
  onSession?: (session: voice.AgentSession) => void;
}): Promise<BenchCall> {
  quietBenchLogs();
  const api = await startFakeRuntimeApi();
  const { stt, llm, tts } = opts.providers;
  const deps = benchRunnerDeps({ apiUrl: api.url, dir: opts.dir, providers: { stt: () => stt, llm: () => llm, tts: () => tts } });
  let session: voice.AgentSession | undefined;
  let outcome: Promise<unknown> = Promise.resolve();
  const server = await startLocalMediaServer({
    port: 0,
    tokenSecret: testTokenSecret,
    onChannel: (channel) =>
      void startSession(localCallIo(channel), deps).then((started) => {
        if (!("session" in started)) return;
        outcome = started.outcome;
        session = started.session;
        opts.onSession?.(started.session);
      }),
  });
  const sid = newSessionId();
  const base = runtimeConfig({ sessionId: sid });
  const config: RuntimeConfig = { ...base, agent: { ...base.agent, turn: TurnSettings.parse({ ...opts.turn }) } };
  api.sessions.set(sid, config);
  const client = connectLocalMedia({ url: `${server.url}?session=${sid}`, token: await mediaToken(sid), sampleRateHz: rateHz });
  await client.ready;
  const mic = new Microphone(client);
  // The greeting plays first.
  await until(() => client.received.length > 0, 15_000);
  await sleep(1500);
  return {
    config,
    client,
    mic,
    session: () => {
      if (!session) throw new Error("the session did not start");
      return session;
    },
    close: async () => {
      await mic.stop();
      await client.end();
      await outcome;
      await server.close();
      await api.close();
    },
  };
}

/** The caller's speech recognised by the (fake) STT: a final transcript, when it was. */
export function transcriptsOf(session: voice.AgentSession): { atMs: number; text: string }[] {
  const finals: { atMs: number; text: string }[] = [];
  session.on(voice.AgentSessionEventTypes.UserInputTranscribed, (ev) => {
    if (ev.isFinal) finals.push({ atMs: Date.now(), text: ev.transcript });
  });
  return finals;
}
