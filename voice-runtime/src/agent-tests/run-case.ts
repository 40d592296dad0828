// Runs one test case once: the agent built as a session's (agent.ts), a scripted or simulated
// caller, the conversation in text or audio mode, then the expectations. The answer is always an
// outcome: passed / failed (with each failure), skipped (a simulated caller needs a real LLM), or
// error (the agent could not run: a provider refused, the case ran out of time).
import type { RunTestCaseRequest, TestCaseOutcome } from "@speaknode/contracts";
import type { llm } from "@livekit/agents";
import { errorFields, log as runtimeLog } from "../log.ts";
import type { JobUsage } from "../llm-jobs/structured.ts";
import type { ProviderRegistry } from "../providers/registry.ts";
import { localeOf } from "../session/agent-builder.ts";
import type { HttpGuard } from "../tools/http-guard.ts";
import { buildTestAgent, type TestAgent } from "./agent.ts";
import { runAudioConversation } from "./audio.ts";
import { evaluate } from "./evaluate.ts";
import { llmJudge } from "./judge.ts";
import { ConversationLog, type CallerScript } from "./log.ts";
import { MockBook } from "./mocks.ts";
import { scriptedCaller, SimulatedCaller } from "./simulated.ts";
import { runTextConversation } from "./text.ts";

export interface RunCaseDeps {
  registry: ProviderRegistry;
  guard: HttpGuard;
  maxResponseChars: number;
  /** The longest a case may run, conversation and judging (default 5 minutes). */
  caseTimeoutMs?: number;
}

const defaultCaseTimeoutMs = 5 * 60_000;
const maxReason = 1000;

/** The offline rules-based brain: no simulated callers, no judging. */
export function isScriptedLlm(config: RunTestCaseRequest["config"]): boolean {
  return config.agent.llm.provider === "scripted";
}

export async function runTestCase(req: RunTestCaseRequest, deps: RunCaseDeps): Promise<TestCaseOutcome> {
  const startedAtMs = Date.now();
  const deadlineMs = startedAtMs + (deps.caseTimeoutMs ?? defaultCaseTimeoutMs);
  const usage: JobUsage = { prompt: 0, completion: 0 };
  const { config, testCase } = req;
  const elapsed = () => Math.max(0, Math.round(Date.now() - startedAtMs));
  const scripted = isScriptedLlm(config);
  if (testCase.caller.kind === "simulated" && scripted) {
    return { status: "skipped", reason: "needs a real LLM", turns: [], failures: [], judged: [], durationMs: elapsed(), usage };
  }

  const log = new ConversationLog(startedAtMs);
  const mocks = new MockBook(testCase.toolMocks, () => log.userTurns);
  let agent: TestAgent | undefined;
  let jobModel: llm.LLM | undefined;
  let error: string | undefined;
  try {
    agent = await buildTestAgent({
      config,
      transferConfigs: req.transferConfigs,
      registry: deps.registry,
      guard: deps.guard,
      maxResponseChars: deps.maxResponseChars,
      log,
      mocks,
      speech: req.mode === "audio",
    });
    const language = localeOf(config, config.language).language;
    // The simulated caller and the judge use the agent's LLM with the access the agent has.
    if (!scripted) jobModel = agent.providers.llm(config.agent.llm, { temperature: config.agent.temperature, agentName: config.agent.name, firstMessage: "" });
    const caller: CallerScript = testCase.caller.kind === "scripted" ? scriptedCaller(testCase.caller.turns) : new SimulatedCaller(jobModel!, testCase.caller, language, usage);
    if (req.mode === "audio") {
      await runAudioConversation({ agent: agent.agent, config, providers: agent.providers, caller, log, phone: agent.phone, deadlineMs, usage });
    } else {
      const built = agent;
      await runTextConversation({ agent: agent.agent, config, caller, log, deadlineMs, usage, settled: () => built.settled() });
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    runtimeLog.warn("test case could not run", { agentId: config.agentId, caseId: testCase.id, mode: req.mode, ...errorFields(err) });
  }

  try {
    const durationMs = elapsed();
    if (error !== undefined) {
      return { status: "error", reason: error.slice(0, maxReason), turns: log.turns(), failures: [], judged: [], durationMs, usage };
    }
    const evaluation = await evaluate(testCase, log, { durationMs, judge: jobModel ? llmJudge(jobModel, () => log.turns(), usage) : null, unmocked: mocks.unmocked });
    return {
      status: evaluation.failures.length > 0 ? "failed" : "passed",
      reason: null,
      turns: log.turns(),
      failures: evaluation.failures,
      judged: evaluation.judged,
      durationMs,
      usage,
    };
  } finally {
    await agent?.close().catch(() => undefined);
  }
}
