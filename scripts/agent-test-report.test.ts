import { describe, expect, it } from "vitest";
import type { TestResult, TestRunDetail } from "@speaknode/contracts";
import { describeExpectation, exitCodeFor, formatRun, parseAgentTestArgs, runBody } from "./agent-test-report.ts";

const agentId = "agt_01jqz8k3m4n5p6q7r8s9t0v1w2";
const caseA = "atc_01jqz8k3m4n5p6q7r8s9t0v1wa";
const caseB = "atc_01jqz8k3m4n5p6q7r8s9t0v1wb";

describe("npm run agent:test's arguments", () => {
  it("default to the draft in text mode, once, every case", () => {
    const parsed = parseAgentTestArgs([agentId]);
    expect(parsed).toEqual({ ok: true, options: { agentId, version: "draft", mode: "text", repeat: 1, caseIds: [], verbose: false, timeoutS: 900 } });
    if (parsed.ok) expect(runBody(parsed.options)).toEqual({ version: "draft", mode: "text", repeat: 1 });
  });

  it("take a version number, audio mode, repeats and several cases, with = or a separate value", () => {
    const parsed = parseAgentTestArgs(["--version", "3", agentId, "--mode=audio", "--repeat", "5", "--case", caseA, `--case=${caseB}`, "--case", caseA, "--verbose"]);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.options).toMatchObject({ agentId, version: 3, mode: "audio", repeat: 5, caseIds: [caseA, caseB], verbose: true });
    expect(runBody(parsed.options)).toEqual({ version: 3, mode: "audio", repeat: 5, caseIds: [caseA, caseB] });
  });

  it.each([
    [[], "which agent"],
    [["agt_nope"], "agt_…"],
    [[agentId, "--version", "latest"], "--version"],
    [[agentId, "--version"], "got nothing"],
    [[agentId, "--mode", "video"], "--mode is text or audio"],
    [[agentId, "--repeat", "0"], "1 to 20"],
    [[agentId, "--repeat", "21"], "1 to 20"],
    [[agentId, "--case", "tc_1"], "atc_…"],
    [[agentId, "--frobnicate"], "unknown option --frobnicate"],
    [[agentId, agentId.replace("w2", "w3")], "one agent at a time"],
  ])("refuse %j with a message naming the problem", (argv, message) => {
    const parsed = parseAgentTestArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it("ask for the usage with --help", () => {
    expect(parseAgentTestArgs([agentId, "--help"])).toMatchObject({ ok: false, help: true });
  });
});

const outcome = (over: Partial<TestResult>): TestResult => ({
  caseId: caseA,
  caseName: "Greeting",
  iteration: 1,
  status: "passed",
  reason: null,
  turns: [],
  failures: [],
  judged: [],
  durationMs: 412,
  usage: { prompt: 0, completion: 0 },
  ...over,
});

function run(results: TestResult[], over: Partial<TestRunDetail> = {}): TestRunDetail {
  const count = (s: TestResult["status"], id?: string) => results.filter((r) => r.status === s && (id === undefined || r.caseId === id)).length;
  const ids = [...new Set(results.map((r) => r.caseId))];
  const rate = (p: number, f: number, e: number) => (p + f + e === 0 ? null : p / (p + f + e));
  return {
    id: "atr_01jqz8k3m4n5p6q7r8s9t0v1w2",
    agentId,
    agentVersion: null,
    draftVersion: 1,
    mode: "text",
    repeat: Math.max(1, ...results.map((r) => r.iteration)),
    trigger: "api",
    status: count("failed") + count("error") ? "failed" : "passed",
    reason: null,
    total: results.length,
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
    errors: count("error"),
    passRate: rate(count("passed"), count("failed"), count("error")),
    cases: ids.map((id) => ({ caseId: id, caseName: results.find((r) => r.caseId === id)?.caseName ?? "", passed: count("passed", id), failed: count("failed", id), skipped: count("skipped", id), errors: count("error", id), passRate: rate(count("passed", id), count("failed", id), count("error", id)) })),
    createdBy: null,
    createdAt: "2026-12-06T10:00:00.000Z",
    startedAt: "2026-12-06T10:00:00.000Z",
    finishedAt: "2026-12-06T10:00:02.500Z",
    results,
    ...over,
  };
}

describe("the run's report", () => {
  const failedLookup = outcome({
    caseId: caseB,
    caseName: "Order lookup",
    status: "failed",
    failures: [{ expectation: { type: "reply_contains", text: "shipped", caseSensitive: false }, turn: 2, message: "the reply does not contain \"shipped\"" }],
    turns: [
      { role: "user", text: "check my order forty two", toolCalls: [], atMs: 0 },
      { role: "agent", text: "Order 42: status delivered.", toolCalls: [{ name: "check_order", arguments: { orderId: "42" }, output: { status: "delivered" }, mocked: true }], atMs: 40 },
    ],
  });

  it("gives each case its status, a failure's turn, expectation and reason, and the totals; exit code 1", () => {
    const r = run([outcome({}), failedLookup, outcome({ caseId: "atc_s", caseName: "Simulated", status: "skipped", reason: "needs a real LLM" })]);
    const text = formatRun(r, { verbose: false }).join("\n");
    expect(text).toContain("PASS  Greeting");
    expect(text).toContain("FAIL  Order lookup");
    expect(text).toContain('turn 2 · reply_contains "shipped": the reply does not contain "shipped"');
    expect(text).toContain("SKIP  Simulated");
    expect(text).toContain("skipped: needs a real LLM");
    expect(text).toContain("1 passed, 1 failed, 1 skipped, 0 errors of 3 · pass rate 50 % · failed in 2.5 s");
    expect(text).not.toContain("forty two");
    expect(exitCodeFor(r)).toBe(1);
  });

  it("shows the conversation and its tool calls only with --verbose", () => {
    const text = formatRun(run([failedLookup]), { verbose: true }).join("\n");
    expect(text).toContain("caller: check my order forty two");
    expect(text).toContain('tool  : check_order {"orderId":"42"} → {"status":"delivered"} (mocked)');
    expect(text.indexOf("tool  : check_order")).toBeLessThan(text.indexOf("agent : Order 42"));
  });

  it("lists each iteration of a repeated case under its pass rate", () => {
    const r = run([outcome({ iteration: 1 }), outcome({ iteration: 2, status: "error", reason: "the runtime did not answer" }), outcome({ iteration: 3 })]);
    const text = formatRun(r, { verbose: false }).join("\n");
    expect(text).toContain("FAIL  Greeting  2 passed, 1 errors · pass rate 67 %");
    expect(text).toContain("#2 ERROR 412 ms");
    expect(text).toContain("reason: the runtime did not answer");
    expect(exitCodeFor(r)).toBe(1);
  });

  it("reports judged expectations that were skipped without counting them as failures; exit code 0", () => {
    const r = run([outcome({ judged: [{ criteria: "polite throughout", turn: null, verdict: "skipped", reason: "needs a real LLM" }] })]);
    const text = formatRun(r, { verbose: false }).join("\n");
    expect(text).toContain('conversation · judge "polite throughout": skipped (needs a real LLM)');
    expect(exitCodeFor(r)).toBe(0);
  });

  it("says why a run that could not run ended in error, and exits 1 even with nothing failed", () => {
    const r = run([], { status: "error", reason: "the voice runtime is not reachable" });
    expect(formatRun(r, { verbose: false }).join("\n")).toContain("The run could not finish: the voice runtime is not reachable");
    expect(exitCodeFor(r)).toBe(1);
  });

  it("names expectations in a few words", () => {
    expect(describeExpectation({ type: "tool_called", tool: "check_order", arguments: { orderId: "42" } })).toBe('tool_called check_order {"orderId":"42"}');
    expect(describeExpectation({ type: "call_ended" })).toBe("call_ended");
    expect(describeExpectation({ type: "reply_matches", pattern: "order \\d+", flags: "i" })).toBe("reply_matches /order \\d+/i");
  });
});
