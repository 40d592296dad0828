// The runtime process of the concurrency bench (bench/concurrency.ts forks it): one local media
// server and the session runner, as `voice-runtime` runs them, with fixed-latency fake providers
// made per session. It runs apart from the callers so that its CPU time (process.cpuUsage) and its
// event loop's delay are the runtime's alone. Per session it records what the overhead needs and
// only the runtime sees — when the VAD declared each end of speech, the providers' measured
// latencies, the end-of-turn model's judgements — and hands them over when asked, after the calls
// (no messages to the parent while calls run). Timestamps are Date.now(): one clock for both processes.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { voice } from "@livekit/agents";
import { startSession } from "../src/session/runner.ts";
import { warmTurnDetection } from "../src/session/turn-eot.ts";
import { localCallIo } from "../src/transport/local/call-io.ts";
import { startLocalMediaServer } from "../src/transport/local/server.ts";
import { testTokenSecret } from "../test/fake-runtime-api.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../test/fake-providers.ts";
import { benchRunnerDeps, quietBenchLogs } from "./harness.ts";

export const providerLatency = { sttMs: 100, ttftMs: 200, ttfbMs: 100 };
export const callerSays = "hello";

/** What the runtime saw of one session. */
export interface SessionTrace {
  endsOfSpeech: number[];
  providerMs: { atMs: number; ms: number }[];
  predictions: { atMs: number; probability: number; threshold: number }[];
  /** The session ended (its outcome reported) by the time the trace was taken. */
  ended: boolean;
}

export type ToRuntime = { type: "cpu" } | { type: "traces"; sessionIds: string[] } | { type: "stop" };
export type FromRuntime =
  | { type: "ready"; url: string }
  | { type: "cpu"; user: number; system: number; atMs: number; loopDelayP99Ms: number; loopDelayMaxMs: number; rssBytes: number }
  | { type: "traces"; traces: Record<string, SessionTrace> };

async function main(): Promise<void> {
  const apiUrl = process.env.BENCH_API_URL;
  const dir = process.env.BENCH_DIR;
  if (!apiUrl || !dir) throw new Error("BENCH_API_URL and BENCH_DIR are required");
  quietBenchLogs();
  const { sttMs, ttftMs, ttfbMs } = providerLatency;
  const deps = benchRunnerDeps({
    apiUrl,
    dir,
    providers: {
      stt: () => new FixedLatencySTT({ latencyMs: sttMs, transcripts: Array.from({ length: 200 }, () => callerSays) }),
      llm: () => new voice.testing.FakeLLM([{ input: callerSays, content: "Okay, noted.", ttft: ttftMs }]),
      tts: () => new FixedLatencyTTS({ ttfbMs, msPerChar: 5 }),
    },
  });
  // Loaded before any call, as the runtime's main does: the load blocks the event loop ~1 s.
  await warmTurnDetection();
  const traces = new Map<string, SessionTrace>();
  const server = await startLocalMediaServer({
    port: 0,
    tokenSecret: testTokenSecret,
    onChannel: (channel) => {
      const io = localCallIo(channel);
      const trace: SessionTrace = { endsOfSpeech: [], providerMs: [], predictions: [], ended: false };
      traces.set(io.sessionId, trace);
      void startSession(io, deps).then(async (started) => {
        if (!("session" in started)) return void (trace.ended = true);
        const session = started.session;
        session.on(voice.AgentSessionEventTypes.UserStateChanged, (ev) => {
          if (ev.oldState === "speaking" && ev.newState === "listening") trace.endsOfSpeech.push(Date.now());
        });
        session.on(voice.AgentSessionEventTypes.EotPrediction, (ev) => trace.predictions.push({ atMs: Date.now(), probability: ev.probability, threshold: ev.threshold }));
        session.on(voice.AgentSessionEventTypes.MetricsCollected, ({ metrics: m }) => {
          // The TTS reports twice (its sentence adapter and itself): count the provider's own.
          const ms = m.type === "stt_metrics" ? m.durationMs : m.type === "llm_metrics" ? m.ttftMs : m.type === "tts_metrics" && !m.streamed ? m.ttfbMs : undefined;
          if (ms !== undefined) trace.providerMs.push({ atMs: Date.now(), ms });
        });
        await started.outcome;
        trace.ended = true;
      });
    },
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const send = (message: FromRuntime) => process.send?.(message);
  process.on("message", (message: ToRuntime) => {
    switch (message.type) {
      case "cpu": {
        // Each snapshot also resets the loop-delay histogram: it covers the span since the last one.
        const { user, system } = process.cpuUsage();
        send({ type: "cpu", user, system, atMs: Date.now(), loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6, rssBytes: process.memoryUsage().rss });
        loop.reset();
        return;
      }
      case "traces": {
        const out: Record<string, SessionTrace> = {};
        for (const id of message.sessionIds) {
          const trace = traces.get(id);
          if (trace) out[id] = trace;
        }
        send({ type: "traces", traces: out });
        return;
      }
      case "stop":
        void server.close().finally(() => process.exit(0));
        return;
    }
  });
  send({ type: "ready", url: server.url });
}

// Runs when forked, not when bench/concurrency.ts imports its constants and types.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
