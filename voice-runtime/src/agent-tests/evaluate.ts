// The expectations of a case, checked once the conversation is over: a scripted turn's on what the
// agent did in reply to that line, the case's on the whole conversation (the greeting included).
// Each failure says what was expected and what happened instead.
import type { RunnableTestCase, TestExpectation, TestFailure } from "@speaknode/contracts";
import type { TestCaseOutcome } from "@speaknode/contracts";
import type { Judge } from "./judge.ts";
import type { AgentReply, ConversationLog, TestToolCall } from "./log.ts";
import { deepSubset, type UnmockedCall } from "./mocks.ts";

export type Judged = TestCaseOutcome["judged"][number];

export interface EvaluateOptions {
  durationMs: number;
  /** null: no real LLM to judge with; judged expectations are skipped. */
  judge: Judge | null;
  unmocked: readonly UnmockedCall[];
}

export interface Evaluation {
  failures: TestFailure[];
  judged: Judged[];
}

const quoteMax = 300;

function quote(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return `"${one.length > quoteMax ? `${one.slice(0, quoteMax)}…` : one}"`;
}

function said(scope: AgentReply): string {
  return scope.texts.length === 0 ? "the agent said nothing" : `the agent said ${quote(scope.texts.join(" "))}`;
}

function callsOf(calls: readonly TestToolCall[]): string {
  return calls.length === 0 ? "no tool" : calls.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join(", ");
}

/** Several replies as one (the whole conversation). */
function merged(replies: readonly AgentReply[]): AgentReply {
  return {
    texts: replies.flatMap((r) => r.texts),
    toolCalls: replies.flatMap((r) => r.toolCalls),
    handoffs: replies.flatMap((r) => r.handoffs),
    handoffIds: replies.flatMap((r) => r.handoffIds),
    dtmf: replies.flatMap((r) => r.dtmf),
    transfers: replies.flatMap((r) => r.transfers),
    ended: replies.find((r) => r.ended !== null)?.ended ?? null,
    atMs: replies.find((r) => r.atMs !== null)?.atMs ?? null,
  };
}

type Check = Exclude<TestExpectation, { type: "judge" }>;

/** Why the expectation is not met in `scope`, or null when it is. */
export function unmet(e: Check, scope: AgentReply, whole: { userTurns: number; durationMs: number }): string | null {
  const text = scope.texts.join(" ");
  switch (e.type) {
    case "tool_called": {
      const calls = scope.toolCalls.filter((c) => c.name === e.tool);
      if (calls.length === 0) return `expected a call of ${e.tool}; the agent called ${callsOf(scope.toolCalls)}`;
      if (e.arguments && !calls.some((c) => deepSubset(e.arguments, c.arguments))) {
        return `expected ${e.tool} with at least ${JSON.stringify(e.arguments)}; it was called with ${calls.map((c) => JSON.stringify(c.arguments)).join(", ")}`;
      }
      return null;
    }
    case "no_tool_called": {
      const calls = e.tool ? scope.toolCalls.filter((c) => c.name === e.tool) : scope.toolCalls;
      if (calls.length === 0) return null;
      return `expected ${e.tool ? `no call of ${e.tool}` : "no tool call"}; the agent called ${callsOf(calls)}`;
    }
    case "reply_contains": {
      const found = e.caseSensitive ? text.includes(e.text) : text.toLowerCase().includes(e.text.toLowerCase());
      return found ? null : `expected the reply to contain ${quote(e.text)}; ${said(scope)}`;
    }
    case "reply_matches":
      return new RegExp(e.pattern, e.flags).test(text) ? null : `expected the reply to match /${e.pattern}/${e.flags}; ${said(scope)}`;
    case "handoff": {
      if (scope.handoffs.length === 0) return `expected a hand-off${e.agent ? ` to ${e.agent}` : ""}; there was none`;
      if (!e.agent) return null;
      const wanted = e.agent.toLowerCase();
      const hit = scope.handoffs.some((n) => n.toLowerCase() === wanted) || scope.handoffIds.includes(e.agent);
      return hit ? null : `expected a hand-off to ${e.agent}; the conversation went to ${scope.handoffs.join(", ")}`;
    }
    case "transfer": {
      if (scope.transfers.length === 0) return `expected a transfer${e.destination ? ` to ${e.destination}` : ""}; there was none`;
      if (!e.destination || scope.transfers.some((d) => d.toLowerCase() === e.destination?.toLowerCase())) return null;
      return `expected a transfer to ${e.destination}; the call was transferred to ${scope.transfers.join(", ")}`;
    }
    case "dtmf_sent": {
      if (scope.dtmf.length === 0) return `expected keys${e.digits ? ` ${e.digits}` : ""} to be pressed; none were`;
      if (!e.digits) return null;
      const digits = e.digits.toUpperCase();
      const hit = scope.dtmf.some((d) => d.toUpperCase() === digits) || scope.dtmf.join("").toUpperCase() === digits;
      return hit ? null : `expected the keys ${e.digits}; the agent pressed ${scope.dtmf.join(", ")}`;
    }
    case "call_ended":
      return scope.ended !== null ? null : `expected the call to end; it did not (${said(scope)})`;
    case "never_says":
      return text.toLowerCase().includes(e.text.toLowerCase()) ? `expected the agent never to say ${quote(e.text)}; ${said(scope)}` : null;
    case "max_turns":
      return whole.userTurns <= e.turns ? null : `expected at most ${e.turns} caller turns; the conversation took ${whole.userTurns}`;
    case "max_duration":
      return whole.durationMs <= e.seconds * 1000 ? null : `expected at most ${e.seconds} s; the conversation took ${(whole.durationMs / 1000).toFixed(1)} s`;
  }
}

async function judged(e: Extract<TestExpectation, { type: "judge" }>, turn: number | null, o: EvaluateOptions, out: Evaluation): Promise<void> {
  if (!o.judge) {
    out.judged.push({ criteria: e.criteria, turn, verdict: "skipped", reason: "needs a real LLM" });
    return;
  }
  let verdict;
  try {
    verdict = await o.judge(e.criteria, turn);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    out.judged.push({ criteria: e.criteria, turn, verdict: "fail", reason: `no usable verdict: ${why}` });
    out.failures.push({ expectation: e, turn, message: `the judge gave no usable verdict (${why})` });
    return;
  }
  out.judged.push({ criteria: e.criteria, turn, verdict: verdict.passed ? "pass" : "fail", reason: verdict.reason });
  if (!verdict.passed) out.failures.push({ expectation: e, turn, message: `the judge found the criteria not met: ${verdict.reason}` });
}

export async function evaluate(testCase: RunnableTestCase, log: ConversationLog, o: EvaluateOptions): Promise<Evaluation> {
  const out: Evaluation = { failures: [], judged: [] };
  const whole = { userTurns: log.userTurns, durationMs: o.durationMs };
  for (const call of o.unmocked) {
    out.failures.push({ expectation: { type: "no_tool_called", tool: call.tool }, turn: call.turn > 0 ? call.turn : null, message: `unmocked tool call: ${call.tool} (no mock matches ${JSON.stringify(call.arguments)})` });
  }
  if (testCase.caller.kind === "scripted") {
    for (const [i, turn] of testCase.caller.turns.entries()) {
      const n = i + 1;
      const reply = log.reply(n);
      for (const e of turn.expect) {
        if (!reply) {
          out.failures.push({ expectation: e, turn: n, message: `turn ${n} was never reached: the conversation stopped after turn ${log.userTurns}${log.ended ? " (the call ended)" : ""}` });
          continue;
        }
        if (e.type === "judge") await judged(e, n, o, out);
        else {
          const why = unmet(e, reply, whole);
          if (why) out.failures.push({ expectation: e, turn: n, message: `turn ${n}: ${why}` });
        }
      }
    }
  }
  const all = merged(log.replies());
  for (const e of testCase.expect) {
    if (e.type === "judge") await judged(e, null, o, out);
    else {
      const why = unmet(e, all, whole);
      if (why) out.failures.push({ expectation: e, turn: null, message: why });
    }
  }
  return out;
}
