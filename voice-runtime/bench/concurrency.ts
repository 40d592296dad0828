// How many calls at once one runtime process carries. N callers (N = 1, then 10, 25, 50) stream a
// real utterance in real time over the local WebSocket transport into ONE runtime process
// (bench/concurrency-runtime.ts, forked so its CPU time is its own) whose STT, LLM and TTS are
// fakes of fixed latency; every session runs Silero VAD and the semantic end-of-turn model, as a
// production call does. Per turn, the runtime's overhead is measured as in bench/overhead.ts: first
// agent audio at the caller − the VAD's end of speech − the providers' measured latencies. CPU per
// call is the runtime process's CPU time over the round ÷ the call-seconds it carried. The callers
// and the stand-in runtime API run in this process, on the same cores: their CPU is reported too.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TurnSettings, type RuntimeConfig } from "@speaknode/contracts";
import { connectLocalMedia } from "../src/transport/local/client.ts";
import { mediaToken } from "../src/transport/local/testing.ts";
import { startFakeRuntimeApi, type FakeRuntimeApi } from "../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../test/fixtures.ts";
import { speak } from "../test/speak.ts";
import { providerLatency, type FromRuntime, type SessionTrace, type ToRuntime } from "./concurrency-runtime.ts";
import { Microphone, percentile, rateHz, sleep, until } from "./harness.ts";
import { finishedUtterance } from "./overhead.ts";

/** The overhead p99 a deployment may add to a turn and still count as carrying its calls. */
export const overheadBudgetMs = 20;
const replyTimeoutMs = 10_000;

export interface CallerTurn {
  speechEndMs: number;
  /** NaN when no reply came within the timeout. */
  firstAudioMs: number;
}

export interface RoundFigures {
  calls: number;
  overheads: number[];
  /** Turns the end-of-turn model judged unfinished (they wait the maximum delay by design). */
  unsure: number;
  /** Turns with no reply, and calls that never connected or greeted. */
  failedTurns: number;
  failedCalls: number;
  /** Runtime CPU milliseconds per second of call carried (1000 = one core per call). */
  cpuMsPerCallSecond: number;
  /** This process's (callers and stand-in API) CPU milliseconds per call-second, for comparison. */
  callerCpuMsPerCallSecond: number;
  loopDelayP99Ms: number;
  rssBytes: number;
}

/** Talks to the forked runtime: one request at a time, answered by the next message of its type. */
class RuntimeProcess {
  readonly #child: ChildProcess;
  #waiting: { type: string; resolve: (m: FromRuntime) => void } | null = null;

  constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (m: FromRuntime) => {
      if (this.#waiting?.type === m.type) {
        const { resolve } = this.#waiting;
        this.#waiting = null;
        resolve(m);
      }
    });
  }

  static async start(env: Record<string, string>): Promise<{ runtime: RuntimeProcess; url: string }> {
    const child = fork(fileURLToPath(new URL("./concurrency-runtime.ts", import.meta.url)), [], { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const runtime = new RuntimeProcess(child);
    const ready = await runtime.#next("ready", 60_000);
    if (ready.type !== "ready") throw new Error("unreachable");
    return { runtime, url: ready.url };
  }

  #next(type: FromRuntime["type"], timeoutMs = 30_000): Promise<FromRuntime> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the bench runtime did not answer ${type}`)), timeoutMs);
      this.#waiting = { type, resolve: (m) => (clearTimeout(timer), resolve(m)) };
    });
  }

  async cpu(): Promise<Extract<FromRuntime, { type: "cpu" }>> {
    const answer = this.#next("cpu");
    this.#child.send({ type: "cpu" } satisfies ToRuntime);
    const m = await answer;
    if (m.type !== "cpu") throw new Error("unreachable");
    return m;
  }

  async traces(sessionIds: string[]): Promise<Record<string, SessionTrace>> {
    const answer = this.#next("traces");
    this.#child.send({ type: "traces", sessionIds } satisfies ToRuntime);
    const m = await answer;
    if (m.type !== "traces") throw new Error("unreachable");
    return m.traces;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.send({ type: "stop" } satisfies ToRuntime);
    await Promise.race([exited, sleep(10_000)]);
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

/** One caller: connects, hears the greeting, then says the utterance `turns` times, pausing between replies. */
async function runCaller(opts: { api: FakeRuntimeApi; mediaUrl: string; speech: Int16Array; turns: number; delayMs: number }): Promise<{ sessionId: string; turns: CallerTurn[]; seconds: number; failed: boolean }> {
  await sleep(opts.delayMs);
  const sessionId = newSessionId();
  const base = runtimeConfig({ sessionId });
  const config: RuntimeConfig = { ...base, agent: { ...base.agent, turn: TurnSettings.parse({ detection: "semantic" }) } };
  opts.api.sessions.set(sessionId, config);
  const startedAtMs = Date.now();
  const client = connectLocalMedia({ url: `${opts.mediaUrl}?session=${sessionId}`, token: await mediaToken(sessionId), sampleRateHz: rateHz });
  const turns: CallerTurn[] = [];
  const ready = await client.ready.then(() => true, () => false);
  if (!ready) return { sessionId, turns, seconds: (Date.now() - startedAtMs) / 1000, failed: true };
  const mic = new Microphone(client);
  try {
    if (!(await until(() => client.received.length > 0, 15_000))) return { sessionId, turns, seconds: (Date.now() - startedAtMs) / 1000, failed: true };
    await sleep(1500); // the greeting plays out
    for (let turn = 0; turn < opts.turns; turn++) {
      const before = client.received.length;
      mic.say(opts.speech);
      await until(() => !mic.speaking, replyTimeoutMs);
      const speechEndMs = mic.lastSpeechSentAtMs;
      const replied = await until(() => client.received.length > before, replyTimeoutMs);
      turns.push({ speechEndMs, firstAudioMs: replied ? (client.received[before]?.atMs ?? Number.NaN) : Number.NaN });
      // The reply plays out, then a pause of varying length: the calls' turns drift apart.
      await sleep(600 + Math.random() * 1000);
    }
  } finally {
    await mic.stop();
    await client.end();
  }
  return { sessionId, turns, seconds: (Date.now() - startedAtMs) / 1000, failed: false };
}

/**
 * One call's turns as the runtime's overhead: first agent audio at the caller − the VAD's last end
 * of speech before it − the providers' latencies measured between the two. A turn the end-of-turn
 * model judged unfinished waits the maximum delay by design: counted, not timed. A turn with no
 * reply (or a session the runtime never traced) fails.
 */
export function turnFigures(turns: readonly CallerTurn[], trace: SessionTrace | undefined): { overheads: number[]; unsure: number; failed: number } {
  const out = { overheads: [] as number[], unsure: 0, failed: 0 };
  for (const turn of turns) {
    const endOfSpeech = trace?.endsOfSpeech.filter((t) => t <= turn.firstAudioMs).at(-1);
    if (!trace || endOfSpeech === undefined || Number.isNaN(turn.firstAudioMs)) {
      out.failed += 1;
      continue;
    }
    const judged = trace.predictions.filter((p) => p.atMs >= turn.speechEndMs && p.atMs <= turn.firstAudioMs).at(-1);
    if (judged && judged.probability < judged.threshold) {
      out.unsure += 1;
      continue;
    }
    const providersMs = trace.providerMs.filter((p) => p.atMs >= endOfSpeech && p.atMs <= turn.firstAudioMs).reduce((sum, p) => sum + p.ms, 0);
    out.overheads.push(turn.firstAudioMs - endOfSpeech - providersMs);
  }
  return out;
}

/**
 * The most calls at once the runtime carried: rounds in increasing N, up to the first whose overhead
 * p99 exceeds the budget or that lost a turn or a call (a larger N passing after it is noise, not
 * capacity). 0 when even the first round did not.
 */
export function carriedCalls(rounds: readonly Pick<RoundFigures, "calls" | "overheads" | "failedTurns" | "failedCalls">[], budgetMs = overheadBudgetMs): number {
  let carried = 0;
  for (const r of [...rounds].sort((a, b) => a.calls - b.calls)) {
    if (r.failedTurns > 0 || r.failedCalls > 0 || r.overheads.length === 0 || percentile(r.overheads, 99) > budgetMs) break;
    carried = r.calls;
  }
  return carried;
}

async function runRound(opts: { runtime: RuntimeProcess; api: FakeRuntimeApi; mediaUrl: string; speech: Int16Array; calls: number; turns: number; warmup: number }): Promise<RoundFigures> {
  const { runtime, calls } = opts;
  const before = await runtime.cpu();
  const ownBefore = process.cpuUsage();
  // Calls arrive over two seconds, not in one instant: a dispatch storm is not what is measured.
  const callers = await Promise.all(
    Array.from({ length: calls }, (_, i) => runCaller({ api: opts.api, mediaUrl: opts.mediaUrl, speech: opts.speech, turns: opts.turns + opts.warmup, delayMs: (i * 2000) / calls })),
  );
  // The round's CPU includes each session's end (its last reports, its recording's upload).
  const ids = callers.map((c) => c.sessionId);
  let traces: Record<string, SessionTrace> = {};
  for (let i = 0; i < 100; i++) {
    traces = await runtime.traces(ids);
    if (Object.values(traces).every((t) => t.ended)) break;
    await sleep(200);
  }
  const after = await runtime.cpu();
  const own = process.cpuUsage(ownBefore);
  const callSeconds = callers.reduce((sum, c) => sum + c.seconds, 0);
  const figures: RoundFigures = {
    calls,
    overheads: [],
    unsure: 0,
    failedTurns: 0,
    failedCalls: callers.filter((c) => c.failed).length,
    cpuMsPerCallSecond: (after.user + after.system - before.user - before.system) / 1000 / callSeconds,
    callerCpuMsPerCallSecond: (own.user + own.system) / 1000 / callSeconds,
    loopDelayP99Ms: after.loopDelayP99Ms,
    rssBytes: after.rssBytes,
  };
  for (const caller of callers) {
    const turns = turnFigures(caller.turns.slice(opts.warmup), traces[caller.sessionId]);
    figures.overheads.push(...turns.overheads);
    figures.unsure += turns.unsure;
    figures.failedTurns += turns.failed;
  }
  return figures;
}

/**
 * Overhead p99 and runtime CPU per call at each number of simultaneous calls, against one call
 * measured in the same run; `runtime.concurrent_calls_at_p99_20ms` is the largest N carried within
 * the budget (carriedCalls).
 */
export async function concurrencyBench(opts: { counts?: number[]; turns?: number; baselineTurns?: number } = {}): Promise<string[]> {
  const counts = opts.counts ?? [10, 25, 50];
  const turns = opts.turns ?? 4;
  const warmup = 1;
  const dir = mkdtempSync(join(tmpdir(), "speaknode-concurrency-"));
  const api = await startFakeRuntimeApi();
  const { runtime, url: mediaUrl } = await RuntimeProcess.start({ BENCH_API_URL: api.url, BENCH_DIR: dir });
  try {
    const speech = speak(finishedUtterance, dir, rateHz);
    const round = (calls: number, roundTurns: number) => runRound({ runtime, api, mediaUrl, speech, calls, turns: roundTurns, warmup });
    const baseline = await round(1, opts.baselineTurns ?? 15);
    const rounds: RoundFigures[] = [];
    for (const calls of counts) rounds.push(await round(calls, turns));
    const f = (n: number) => n.toFixed(1);
    const p99 = (r: RoundFigures) => percentile(r.overheads, 99);
    const lines = [
      `BENCH runtime.concurrent_calls_at_p99_20ms=${carriedCalls(rounds)} calls`,
      `BENCH runtime.concurrency.baseline_1.overhead_p99_ms=${f(p99(baseline))} ms`,
      `BENCH runtime.concurrency.baseline_1.cpu_ms_per_call_s=${f(baseline.cpuMsPerCallSecond)} ms`,
    ];
    for (const r of rounds) {
      lines.push(`BENCH runtime.concurrency.n${r.calls}.overhead_p50_ms=${f(percentile(r.overheads, 50))} ms`);
      lines.push(`BENCH runtime.concurrency.n${r.calls}.overhead_p99_ms=${f(p99(r))} ms`);
      lines.push(`BENCH runtime.concurrency.n${r.calls}.cpu_ms_per_call_s=${f(r.cpuMsPerCallSecond)} ms`);
    }
    const describe = (r: RoundFigures) =>
      `N=${r.calls}: ${r.overheads.length} timed turns, ${r.unsure} judged unfinished, ${r.failedTurns} without reply, ${r.failedCalls} calls failed; overhead p50 ${f(percentile(r.overheads, 50))} p99 ${f(p99(r))} max ${f(Math.max(...r.overheads))} ms; runtime CPU ${f(r.cpuMsPerCallSecond)} ms per call-second (callers + stand-in API: ${f(r.callerCpuMsPerCallSecond)}); runtime event-loop delay p99 ${f(r.loopDelayP99Ms)} ms; RSS ${Math.round(r.rssBytes / 2 ** 20)} MiB`;
    lines.push(
      `(one runtime process, local transport, Silero VAD + semantic end of turn per call, fake providers STT ${providerLatency.sttMs} ms, LLM TTFT ${providerLatency.ttftMs} ms, TTS TTFB ${providerLatency.ttfbMs} ms; callers in the bench process on the same ${availableParallelism()} cores. ${[baseline, ...rounds].map(describe).join(". ")})`,
    );
    return lines;
  } finally {
    await runtime.stop();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
