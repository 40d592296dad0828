// The pure half of `npm run agent:test`: reading its arguments and turning a finished test run
// (GET /v1/agents/{id}/test-runs/{runId}) into the lines it prints and the exit code CI reads.
// Kept apart from scripts/agent-test.ts, which talks to the API, so both are tested without a stack.
import type { TestExpectation, TestMode, TestResult, TestRunDetail } from "@speaknode/contracts";

export interface AgentTestOptions {
  agentId: string;
  version: number | "draft";
  mode: TestMode;
  repeat: number;
  caseIds: string[];
  verbose: boolean;
  /** Give up waiting for the run after this long (the run itself goes on). */
  timeoutS: number;
}

export const usage = [
  "usage: npm run agent:test -- agt_… [--version N|draft] [--mode text|audio] [--repeat N] [--case atc_…]… [--verbose] [--timeout S]",
  "",
  "Runs the agent's test cases (all of them, or each --case) against a version (default: the draft)",
  "and prints each case's result; exits 0 only when none failed or errored (skipped cases are reported).",
  "  --version N|draft   a published version's number, or the draft (default)",
  "  --mode text|audio   text (default, fast) or audio (spoken callers through VAD, STT and turn detection)",
  "  --repeat N          run each case N times (1-20) and report its pass rate",
  "  --case atc_…        run only this case (repeatable)",
  "  --verbose           also print each conversation (the caller's lines, the agent's replies, tool calls)",
  "  --timeout S         stop waiting for the run after S seconds (default 900)",
  "Environment: SPEAKNODE_URL (default http://127.0.0.1:8787), SPEAKNODE_TOKEN (an API key of the space",
  "or an access token; on a local `npm run dev` a dev Owner's token is fetched when it is unset).",
].join("\n");

const agentIdPattern = /^agt_[0-9a-hjkmnp-tv-z]{26}$/;
const caseIdPattern = /^atc_[0-9a-hjkmnp-tv-z]{26}$/;

/** The options, or the first problem with the arguments in words (the caller prints it with the usage). */
export function parseAgentTestArgs(argv: string[]): { ok: true; options: AgentTestOptions } | { ok: false; message: string; help?: true } {
  const options: AgentTestOptions = { agentId: "", version: "draft", mode: "text", repeat: 1, caseIds: [], verbose: false, timeoutS: 900 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--help":
      case "-h":
        return { ok: false, message: "", help: true };
      case "--verbose":
      case "-v":
        options.verbose = true;
        break;
      case "--version": {
        const v = value();
        if (v === "draft") options.version = "draft";
        else if (v !== undefined && /^[1-9][0-9]{0,8}$/.test(v)) options.version = Number(v);
        else return { ok: false, message: `--version is a published version's number or "draft" (got ${show(v)})` };
        break;
      }
      case "--mode": {
        const v = value();
        if (v !== "text" && v !== "audio") return { ok: false, message: `--mode is text or audio (got ${show(v)})` };
        options.mode = v;
        break;
      }
      case "--repeat": {
        const v = value();
        const n = v !== undefined && /^[0-9]{1,2}$/.test(v) ? Number(v) : Number.NaN;
        if (!(n >= 1 && n <= 20)) return { ok: false, message: `--repeat is a number of runs per case from 1 to 20 (got ${show(v)})` };
        options.repeat = n;
        break;
      }
      case "--case": {
        const v = value();
        if (v === undefined || !caseIdPattern.test(v)) return { ok: false, message: `--case takes a test case's id, atc_… (got ${show(v)})` };
        if (!options.caseIds.includes(v)) options.caseIds.push(v);
        break;
      }
      case "--timeout": {
        const v = value();
        const n = v !== undefined && /^[0-9]{1,5}$/.test(v) ? Number(v) : Number.NaN;
        if (!(n >= 1)) return { ok: false, message: `--timeout is a number of seconds (got ${show(v)})` };
        options.timeoutS = n;
        break;
      }
      default:
        if (arg.startsWith("-")) return { ok: false, message: `unknown option ${arg}` };
        if (options.agentId) return { ok: false, message: `one agent at a time (got ${options.agentId} and ${arg})` };
        if (!agentIdPattern.test(arg)) return { ok: false, message: `the agent's id looks like agt_… (got ${show(arg)})` };
        options.agentId = arg;
    }
  }
  if (!options.agentId) return { ok: false, message: "which agent? give its id (agt_…)" };
  return { ok: true, options };
}

const show = (v: string | undefined): string => (v === undefined ? "nothing" : JSON.stringify(v));

/** The body of POST /v1/agents/{agentId}/test-runs for these options (caseIds absent = all of them). */
export function runBody(o: AgentTestOptions): Record<string, unknown> {
  return { version: o.version, mode: o.mode, repeat: o.repeat, ...(o.caseIds.length ? { caseIds: o.caseIds } : {}) };
}

/** 0 only for a run that finished with nothing failed and nothing errored. */
export function exitCodeFor(run: Pick<TestRunDetail, "status" | "failed" | "errors">): 0 | 1 {
  return run.status === "passed" && run.failed === 0 && run.errors === 0 ? 0 : 1;
}

/** An expectation in a few words: `reply_contains "hello"`, `tool_called check_order {"orderId":"42"}`. */
export function describeExpectation(e: TestExpectation): string {
  switch (e.type) {
    case "tool_called":
      return `tool_called ${e.tool}${e.arguments ? ` ${JSON.stringify(e.arguments)}` : ""}`;
    case "no_tool_called":
      return `no_tool_called${e.tool ? ` ${e.tool}` : ""}`;
    case "reply_contains":
      return `reply_contains ${JSON.stringify(e.text)}`;
    case "reply_matches":
      return `reply_matches /${e.pattern}/${e.flags}`;
    case "handoff":
      return `handoff${e.agent ? ` ${e.agent}` : ""}`;
    case "transfer":
      return `transfer${e.destination ? ` ${e.destination}` : ""}`;
    case "dtmf_sent":
      return `dtmf_sent${e.digits ? ` ${e.digits}` : ""}`;
    case "never_says":
      return `never_says ${JSON.stringify(e.text)}`;
    case "max_turns":
      return `max_turns ${e.turns}`;
    case "max_duration":
      return `max_duration ${e.seconds} s`;
    case "judge":
      return `judge ${JSON.stringify(clip(e.criteria, 60))}`;
    case "call_ended":
      return "call_ended";
  }
}

const label: Record<TestResult["status"], string> = { passed: "PASS", failed: "FAIL", skipped: "SKIP", error: "ERROR" };
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const percent = (rate: number | null): string => (rate === null ? "n/a" : `${Math.round(rate * 100)} %`);

/** Why one iteration did not pass (or what was skipped in it), one line each, indented. */
function detailLines(r: TestResult, indent: string): string[] {
  const lines: string[] = [];
  if (r.reason && r.status !== "passed") lines.push(`${indent}${r.status === "skipped" ? "skipped" : "reason"}: ${r.reason}`);
  for (const f of r.failures) lines.push(`${indent}${f.turn === null ? "conversation" : `turn ${f.turn}`} · ${describeExpectation(f.expectation)}: ${f.message}`);
  for (const j of r.judged) {
    if (j.verdict === "pass") continue;
    lines.push(`${indent}${j.turn === null ? "conversation" : `turn ${j.turn}`} · judge ${JSON.stringify(clip(j.criteria, 60))}: ${j.verdict}${j.reason ? ` (${j.reason})` : ""}`);
  }
  return lines;
}

/** The conversation of one iteration (only with --verbose: it is the test's content). */
function transcriptLines(r: TestResult, indent: string): string[] {
  const lines: string[] = [];
  for (const t of r.turns) {
    // The tools an agent turn called came before what it said.
    for (const c of t.toolCalls) {
      const outcome = c.error !== undefined ? `error ${JSON.stringify(c.error)}` : JSON.stringify(c.output ?? null);
      lines.push(`${indent}tool  : ${c.name} ${JSON.stringify(c.arguments)} → ${outcome}${c.mocked ? " (mocked)" : ""}`);
    }
    if (t.text) lines.push(`${indent}${t.role === "user" ? "caller" : "agent "}: ${t.text}`);
    if (t.handoff) lines.push(`${indent}        handed off to ${t.handoff}`);
  }
  return lines;
}

/** The report of a finished run: a header, each case (and each iteration when repeated), a summary. */
export function formatRun(run: TestRunDetail, opts: { verbose: boolean }): string[] {
  const version = run.agentVersion !== null ? `version ${run.agentVersion}` : `draft${run.draftVersion !== null ? ` (revision ${run.draftVersion})` : ""}`;
  const lines = [`Agent ${run.agentId} · ${version} · ${run.mode} mode · ${run.cases.length} case${run.cases.length === 1 ? "" : "s"}${run.repeat > 1 ? ` × ${run.repeat}` : ""} · run ${run.id}`];
  const width = Math.min(40, Math.max(0, ...run.cases.map((c) => c.caseName.length)));
  for (const summary of run.cases) {
    const results = run.results.filter((r) => r.caseId === summary.caseId);
    const name = summary.caseName.padEnd(width);
    if (run.repeat === 1 && results.length === 1) {
      const r = results[0] as TestResult;
      lines.push(`${label[r.status].padEnd(5)} ${name}  ${seconds(r.durationMs)}`);
      lines.push(...detailLines(r, "        "));
      if (opts.verbose) lines.push(...transcriptLines(r, "        "));
      continue;
    }
    const status = summary.failed + summary.errors > 0 ? "FAIL" : summary.passed > 0 ? "PASS" : results.length ? "SKIP" : "…";
    const counts = [`${summary.passed} passed`, summary.failed ? `${summary.failed} failed` : "", summary.errors ? `${summary.errors} errors` : "", summary.skipped ? `${summary.skipped} skipped` : ""].filter(Boolean).join(", ");
    lines.push(`${status.padEnd(5)} ${name}  ${counts} · pass rate ${percent(summary.passRate)}`);
    for (const r of results) {
      lines.push(`        #${r.iteration} ${label[r.status]} ${seconds(r.durationMs)}`);
      lines.push(...detailLines(r, "           "));
      if (opts.verbose) lines.push(...transcriptLines(r, "           "));
    }
  }
  if (run.status === "error") lines.push(`The run could not finish: ${run.reason ?? "no reason given"}`);
  const took = run.startedAt && run.finishedAt ? ` in ${seconds(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : "";
  lines.push(`${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped, ${run.errors} errors of ${run.total} · pass rate ${percent(run.passRate)} · ${run.status}${took}`);
  return lines;
}
