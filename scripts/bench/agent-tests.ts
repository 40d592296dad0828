// Agent regression tests and post-call analysis, measured.
//   agent_tests.text_case_ms — one five-line scripted case of the demo agent (greeting, three order
//     lookups answered by mocks, goodbye → end_call) through the runtime's runTestCase in text mode,
//     in this process with the offline scripted LLM; p50 of alternating rounds. Baseline: a
//     one-line case (greeting) the same way, so the difference is what four more turns cost.
//   agent_tests.fifty_cases_s — 50 such cases in one run through the stack's API: POST
//     /v1/agents/{id}/test-runs → queue → the Worker's consumer → the stack's voice runtime
//     (/v1/agent-tests/run, two cases at a time) → results stored; from the POST to the run read back
//     finished. On this machine's 2 cores, with the Worker, the database and the runtime sharing
//     them. Baseline: a run of one of those cases the same way.
//   analysis.queue_to_result_ms — a session's end (the runtime's `completed` report) → its analysis
//     stored as completed (the SessionRoom's terminal write marks it pending and queues it, the
//     analysis consumer asks the runtime's /v1/analysis, which asks the agent's LLM: a fake
//     OpenAI-compatible server answering record_analysis after a fixed 200 ms). Baseline: that fake
//     LLM's own latency from here.
// Standalone: `node scripts/bench/agent-tests.ts` (starts its own stack with the voice runtime).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initializeLogger } from "@livekit/agents";
import type { Agent, CreateTestCaseBody, RunnableTestCase, TestRunDetail } from "@speaknode/contracts";
import { demoAgentId, demoSpaceId } from "@speaknode/db";
import { signRuntimeServiceToken } from "@speaknode/tokens";
import { runTestCase } from "../../voice-runtime/src/agent-tests/run-case.ts";
import { ProviderRegistry } from "../../voice-runtime/src/providers/registry.ts";
import { createHttpGuard } from "../../voice-runtime/src/tools/http-guard.ts";
import { demoCaseRequest, noCredentials } from "../../voice-runtime/test/demo-agent-config.ts";
import { OpenAICompatibleServer } from "../../voice-runtime/test/openai-compatible-server.ts";
import { freePort, localSecretsKey, startLocalStack } from "../lib.ts";
import { token } from "./api.ts";
import { fmt, summary } from "./stats.ts";

const textRounds = 9;
const fiftyCases = 50;
const analysisWarmup = 2;
const analysisSamples = 10;
const fakeLlmLatencyMs = 200;
const targets = { textCaseMs: 1500, fiftyCasesS: 90, analysisMs: 3000 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const met = (ok: boolean) => (ok ? "met" : "NOT met");

/** Five caller lines, each with its expectations; the mocks answer each order differently. */
export const fiveTurnCase: CreateTestCaseBody = {
  name: "Five turns",
  description: "Greeting, three order lookups answered by mocks, goodbye.",
  required: false,
  caller: {
    kind: "scripted",
    turns: [
      { user: "Hello there", expect: [{ type: "reply_contains", text: "How can I help", caseSensitive: false }, { type: "no_tool_called" }] },
      { user: "Please check my order number forty two", expect: [{ type: "tool_called", tool: "check_order", arguments: { orderId: "42" } }, { type: "reply_contains", text: "shipped", caseSensitive: false }] },
      { user: "And order number seven please", expect: [{ type: "tool_called", tool: "check_order", arguments: { orderId: "7" } }, { type: "reply_contains", text: "delivered", caseSensitive: false }] },
      { user: "What about order one two three", expect: [{ type: "tool_called", tool: "check_order", arguments: { orderId: "123" } }, { type: "reply_contains", text: "processing", caseSensitive: false }] },
      { user: "That's all, thank you. Goodbye!", expect: [{ type: "call_ended" }] },
    ],
  },
  variables: { customer_name: "Ada" },
  channel: "web",
  toolMocks: [
    { tool: "check_order", match: "exact", arguments: { orderId: "42" }, output: { orderId: "42", status: "shipped" } },
    { tool: "check_order", match: "subset", arguments: { orderId: "7" }, output: { orderId: "7", status: "delivered" } },
    { tool: "check_order", match: "any", output: { status: "processing" } },
  ],
  expect: [{ type: "max_turns", turns: 5 }, { type: "never_says", text: "didn't catch that" }],
};

const oneTurnCase: CreateTestCaseBody = { ...fiveTurnCase, name: "One turn", caller: { kind: "scripted", turns: fiveTurnCase.caller.kind === "scripted" ? fiveTurnCase.caller.turns.slice(0, 1) : [] }, expect: [] };

/** The five-line case against the one-line one, alternating, in this process. */
export async function textCaseBench(): Promise<string[]> {
  initializeLogger({ pretty: false, level: "error" });
  const deps = { registry: new ProviderRegistry(noCredentials), guard: createHttpGuard({ allowPrivateHosts: [] }), maxResponseChars: 4000, caseTimeoutMs: 60_000 };
  const run = async (body: CreateTestCaseBody): Promise<number> => {
    const testCase: RunnableTestCase = { id: "atc_bench", ...body };
    const t0 = performance.now();
    const outcome = await runTestCase(demoCaseRequest(testCase), deps);
    const ms = performance.now() - t0;
    if (outcome.status !== "passed") throw new Error(`the bench case "${body.name}" did not pass: ${outcome.status} ${outcome.reason ?? ""} ${JSON.stringify(outcome.failures)}`);
    return ms;
  };
  for (let i = 0; i < 2; i++) {
    await run(oneTurnCase);
    await run(fiveTurnCase);
  }
  const one: number[] = [];
  const five: number[] = [];
  for (let r = 0; r < textRounds; r++) {
    one.push(await run(oneTurnCase));
    five.push(await run(fiveTurnCase));
  }
  const f = summary(five);
  const o = summary(one);
  return [
    `BENCH agent_tests.text_case_ms=${fmt(f.p50, 0)} ms`,
    `BENCH agent_tests.text_case.baseline_one_turn_ms=${fmt(o.p50, 0)} ms`,
    `(a five-line scripted case of the demo agent (3 mocked check_order calls, end_call) through runTestCase in text mode with the scripted LLM, p50 of ${f.n} rounds alternating with a one-line case; ` +
      `p99 ${fmt(f.p99, 0)} ms against ${fmt(o.p99, 0)} ms; target < ${targets.textCaseMs} ms: ${met(f.p50 < targets.textCaseMs)})`,
  ];
}

interface Api {
  url: string;
  auth: Record<string, string>;
}

async function call<T>(a: Api, method: string, path: string, body?: unknown, status?: number): Promise<T> {
  const res = await fetch(`${a.url}${path}`, { method, headers: a.auth, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (status ? res.status !== status : !res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 400)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A copy of the demo agent (its check_order tool, its scripted LLM) with `changes`, published. */
async function copyOfDemo(a: Api, changes: Record<string, unknown>): Promise<string> {
  const demo = await call<Agent>(a, "GET", `/v1/agents/${demoAgentId}`);
  const { id: _id, spaceId: _space, version: _version, published: _published, publishedVersion: _publishedVersion, createdAt: _created, updatedAt: _updated, ...config } = demo;
  const created = await call<Agent>(a, "POST", `/v1/spaces/${demoSpaceId}/agents`, { ...config, ...changes }, 201);
  // force: a bench agent on a fake model is published whatever the pre-flight thinks of it.
  await call(a, "POST", `/v1/agents/${created.id}/publish`, { note: "bench", force: true }, 200);
  return created.id;
}

/** POST a run and read it until it finished; seconds from the POST. */
async function timedRun(a: Api, agentId: string, caseIds: string[]): Promise<{ s: number; run: TestRunDetail }> {
  const t0 = performance.now();
  const created = await call<{ id: string }>(a, "POST", `/v1/agents/${agentId}/test-runs`, { caseIds, version: "draft", mode: "text" }, 202);
  for (;;) {
    const run = await call<TestRunDetail>(a, "GET", `/v1/agents/${agentId}/test-runs/${created.id}`);
    if (run.status !== "queued" && run.status !== "running") {
      const s = (performance.now() - t0) / 1000;
      if (run.status !== "passed") throw new Error(`the bench run ${run.id} ${run.status}: ${run.reason ?? ""} ${JSON.stringify(run.results.filter((r) => r.status !== "passed").slice(0, 2))}`);
      return { s, run };
    }
    await sleep(200);
  }
}

async function fiftyCasesBench(a: Api): Promise<string[]> {
  const agentId = await copyOfDemo(a, { name: "Bench: agent tests" });
  const ids: string[] = [];
  for (let i = 0; i < fiftyCases; i++) ids.push((await call<{ id: string }>(a, "POST", `/v1/agents/${agentId}/test-cases`, { ...fiveTurnCase, name: `Five turns #${i + 1}` }, 201)).id);
  await timedRun(a, agentId, ids.slice(0, 1)); // warm-up: the consumer, the runtime's route, the models
  const one = await timedRun(a, agentId, ids.slice(0, 1));
  const all = await timedRun(a, agentId, ids);
  const caseMs = summary(all.run.results.map((r) => r.durationMs));
  return [
    `BENCH agent_tests.fifty_cases_s=${fmt(all.s, 1)} s`,
    `BENCH agent_tests.fifty_cases.baseline_one_case_s=${fmt(one.s, 1)} s`,
    `(${fiftyCases} five-line cases in one text-mode run through the stack's API (queue → consumer → the voice runtime, two cases at a time) on 2 cores, POST → finished; ` +
      `each case took p50 ${fmt(caseMs.p50, 0)} ms / p99 ${fmt(caseMs.p99, 0)} ms in the runtime; the baseline is a run of one of them; target < ${targets.fiftyCasesS} s: ${met(all.s < targets.fiftyCasesS)})`,
  ];
}

const analysisArguments = {
  summary: "The caller asked about order 42; the agent said it had shipped.",
  data: { order_checked: true, reason: "order_status" },
  success: { passed: true, reason: "The caller got the status." },
};

async function analysisBench(a: Api, runtimeTokenSecret: string, llm: OpenAICompatibleServer): Promise<string[]> {
  const agentId = await copyOfDemo(a, {
    name: "Bench: analysis",
    llm: { provider: "openai-compatible", model: "gpt-4o-mini", params: {} },
    analysis: {
      summaryPrompt: "Two sentences: what the caller wanted and what happened.",
      structuredData: { properties: { order_checked: { type: "boolean" }, reason: { type: "string", enum: ["order_status", "complaint", "other"] } }, required: ["reason"] },
      success: { kind: "pass_fail", rubric: "The caller got the status of their order." },
    },
  });
  const runtime = { authorization: `Bearer ${await signRuntimeServiceToken(runtimeTokenSecret, { ttlS: 3600, subject: "bench" })}`, "content-type": "application/json" };
  const report = async (sessionId: string, eventId: string, event: Record<string, unknown>) => {
    const res = await fetch(`${a.url}/runtime/v1/sessions/${sessionId}/events`, { method: "POST", headers: runtime, body: JSON.stringify({ eventId, event }) });
    if (!res.ok) throw new Error(`reporting ${String(event["type"])}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  };
  /** A session with two turns, ended as the runtime ends one; ms from that report to the analysis stored. */
  const sample = async (): Promise<number> => {
    const { sessionId } = await call<{ sessionId: string }>(a, "POST", `/v1/agents/${agentId}/sessions`, { variables: { customer_name: "Ada" } }, 201);
    await report(sessionId, "ready", { type: "agent.ready" });
    const at = (ms: number) => new Date(Date.now() - 5000 + ms).toISOString();
    await report(sessionId, "t1", { type: "turn", turnId: "t1", role: "user", text: "Please check my order number forty two", startedAt: at(0), endedAt: at(1500) });
    await report(sessionId, "t2", { type: "turn", turnId: "t2", role: "agent", text: "Order 42: status shipped. Is there anything else I can help with?", startedAt: at(2000), endedAt: at(4000) });
    const t0 = performance.now();
    await report(sessionId, "done", { type: "completed", tokenUsage: { prompt: 10, completion: 10 }, durationMs: 5000, endReason: "caller_hung_up" });
    for (;;) {
      const s = await call<{ analysis?: { status: string; reason: string | null } | null }>(a, "GET", `/v1/sessions/${sessionId}`);
      const status = s.analysis?.status;
      if (status === "completed") return performance.now() - t0;
      if (status === "failed" || status === "not_configured") throw new Error(`the bench session's analysis ${status}: ${s.analysis?.reason ?? ""}`);
      if (performance.now() - t0 > 60_000) throw new Error(`the bench session's analysis is still ${String(status)} after 60 s`);
      await sleep(20);
    }
  };
  for (let i = 0; i < analysisWarmup; i++) await sample();
  const samples: number[] = [];
  for (let i = 0; i < analysisSamples; i++) samples.push(await sample());
  // Baseline: the fake LLM's own answer from here (its fixed delay, plus HTTP on loopback).
  const baseline: number[] = [];
  for (let i = 0; i < analysisSamples; i++) {
    const t0 = performance.now();
    const res = await fetch(`${llm.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }) });
    await res.text();
    baseline.push(performance.now() - t0);
  }
  const s = summary(samples);
  const b = summary(baseline);
  return [
    `BENCH analysis.queue_to_result_ms=${fmt(s.p50, 0)} ms`,
    `BENCH analysis.queue_to_result.baseline_fake_llm_ms=${fmt(b.p50, 0)} ms`,
    `(${s.n} sessions one at a time after ${analysisWarmup} warm-up ones: the runtime's completed report → the terminal write (pending) → speaknode-analysis queue → consumer → the runtime's /v1/analysis → ` +
      `a fake OpenAI-compatible LLM answering record_analysis after ${fakeLlmLatencyMs} ms → stored as completed (read back every 20 ms); p99 ${fmt(s.p99, 0)} ms; ` +
      `target < ${targets.analysisMs} ms: ${met(s.p50 < targets.analysisMs)})`,
  ];
}

/** The stack's part: its own stack with the voice runtime, whose LLM endpoint is the fake one. */
export async function agentTestsStackBench(): Promise<string[]> {
  const llm = await OpenAICompatibleServer.start();
  llm.respondWith(() => ({ toolCalls: [{ name: "record_analysis", arguments: analysisArguments }], delayMs: fakeLlmLatencyMs }));
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-agent-tests-"));
  const stack = await startLocalStack({
    port: await freePort(),
    workDir,
    quiet: true,
    runtimeMediaPort: await freePort(),
    runtimeEnv: { LLM_BASE_URL: `${llm.url}/v1`, LLM_API_KEY: "bench" },
  });
  try {
    const a: Api = { url: stack.url, auth: { authorization: `Bearer ${await token(stack.url)}`, "content-type": "application/json" } };
    const lines = await fiftyCasesBench(a);
    lines.push(...(await analysisBench(a, localSecretsKey(workDir, "runtime-token.key"), llm)));
    return lines;
  } finally {
    await stack.stop();
    await llm.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

export async function agentTestsBench(): Promise<string[]> {
  return [...(await textCaseBench()), ...(await agentTestsStackBench())];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await agentTestsBench()) console.log(line);
  process.exit(0);
}
