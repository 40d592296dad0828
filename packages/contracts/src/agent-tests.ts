// Agent regression tests: test cases per agent (a scripted or an LLM-simulated caller, tool mocks,
// expectations per turn and for the whole conversation), runs of them against an agent version in
// text or audio mode, and what each case came to. The Worker stores cases and runs; the voice
// runtime executes a case (POST /v1/agent-tests/run) and answers with its result.
import { z } from "zod";
import { jsonValue, text } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { LanguageTag } from "./agents.ts";
import { VariableValue } from "./variables.ts";
import { patchShape } from "./patch.ts";

const toolName = text().trim().min(1).max(64);
const args = z.record(text(), jsonValue());

function compiles(p: { pattern: string; flags: string }, ctx: z.RefinementCtx): void {
  try {
    new RegExp(p.pattern, p.flags);
  } catch (err) {
    ctx.addIssue({ code: "custom", path: ["pattern"], message: `is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}` });
  }
}

/**
 * What must (or must not) happen. In a turn's `expect` it applies to what the agent did in reply to
 * that turn; in the case's `expect`, to the whole conversation. `max_turns` and `max_duration`
 * only make sense for the whole conversation, `judge` for either.
 */
export const TestExpectation = z
  .discriminatedUnion("type", [
    /** The tool was called; with `arguments`, with at least these (subset match, deep). */
    z.strictObject({ type: z.literal("tool_called"), tool: toolName, arguments: args.optional() }),
    /** No tool was called (`tool` absent), or not this one. */
    z.strictObject({ type: z.literal("no_tool_called"), tool: toolName.optional() }),
    z.strictObject({ type: z.literal("reply_contains"), text: text().trim().min(1).max(500), caseSensitive: z.boolean().default(false) }),
    /** A JavaScript regular expression (source and flags) the reply matches. */
    z
      .strictObject({ type: z.literal("reply_matches"), pattern: text().min(1).max(500), flags: text().regex(/^[imsu]*$/, "only the flags i, m, s and u").max(4).default("i") })
      .superRefine(compiles),
    /** The conversation was handed to another agent (by name or id, or any). */
    z.strictObject({ type: z.literal("handoff"), agent: text().trim().min(1).max(100).optional() }),
    /** The phone call was transferred to a number (by destination name, or any). */
    z.strictObject({ type: z.literal("transfer"), destination: text().trim().min(1).max(100).optional() }),
    z.strictObject({ type: z.literal("dtmf_sent"), digits: text().regex(/^[0-9*#A-Da-d]{1,32}$/).optional() }),
    z.strictObject({ type: z.literal("call_ended") }),
    /** The agent never says this phrase (case-insensitive). */
    z.strictObject({ type: z.literal("never_says"), text: text().trim().min(1).max(500) }),
    z.strictObject({ type: z.literal("max_turns"), turns: z.number().int().min(1).max(200) }),
    z.strictObject({ type: z.literal("max_duration"), seconds: z.number().min(1).max(3600) }),
    /** A rubric an LLM judges (forced pass/fail + reason); skipped without a real LLM. */
    z.strictObject({ type: z.literal("judge"), criteria: text().trim().min(1).max(2000) }),
  ])
  .meta({ id: "TestExpectation" });
export type TestExpectation = z.infer<typeof TestExpectation>;

/** What a mocked tool answers when the agent calls it: `output` (the tool's result) or `error` (a tool error the LLM reads). */
export const ToolMock = z
  .strictObject({
    /** A webhook tool's code, as the LLM calls it (system tools act on the simulated call itself). */
    tool: toolName,
    /** any: every call; exact: these arguments exactly; subset: at least these. */
    match: z.enum(["any", "exact", "subset"]).default("any"),
    arguments: args.optional(),
    output: jsonValue().optional(),
    error: text().trim().min(1).max(1000).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.match !== "any" && m.arguments === undefined) ctx.addIssue({ code: "custom", path: ["arguments"], message: `${m.match} matching needs the arguments to match` });
    if ((m.output === undefined) === (m.error === undefined)) ctx.addIssue({ code: "custom", path: ["output"], message: "give either output or error" });
  })
  .meta({ id: "ToolMock" });
export type ToolMock = z.infer<typeof ToolMock>;

export const ScriptedTurn = z.strictObject({
  /** What the caller says. */
  user: text().trim().min(1).max(2000),
  expect: z.array(TestExpectation).max(20).default([]),
});
export type ScriptedTurn = z.infer<typeof ScriptedTurn>;

export const TestCaller = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("scripted"), turns: z.array(ScriptedTurn).min(1).max(50) }),
    z.strictObject({
      kind: z.literal("simulated"),
      /** Played by an LLM (the agent's LLM unless the runtime is given another); skipped without a real LLM. */
      persona: z.strictObject({
        identity: text().trim().min(1).max(1000),
        goal: text().trim().min(1).max(1000),
        traits: text().trim().max(1000).default(""),
      }),
      /** The caller speaks at most this many times. */
      maxTurns: z.number().int().min(1).max(30).default(8),
    }),
  ])
  .meta({ id: "TestCaller" });
export type TestCaller = z.infer<typeof TestCaller>;

export const testCaseShape = {
  name: text().trim().min(1).max(100),
  description: text().trim().max(1000).default(""),
  /** Publishing runs the agent's required cases and refuses when one fails. */
  required: z.boolean().default(false),
  caller: TestCaller,
  /** Values of the agent's variables (its defaults apply to the rest). */
  variables: z.record(text(), VariableValue).default({}),
  /** One of the agent's languages; its default when absent. */
  language: LanguageTag.optional(),
  /** phone: the agent runs as on a phone call (phone tools offered; audio mode speaks 8 kHz). */
  channel: z.enum(["web", "phone"]).default("web"),
  toolMocks: z.array(ToolMock).max(50).default([]),
  /** Expectations on the whole conversation. */
  expect: z.array(TestExpectation).max(30).default([]),
};

export const CreateTestCaseBody = z.strictObject(testCaseShape).meta({ id: "CreateTestCaseBody" });
export type CreateTestCaseBody = z.infer<typeof CreateTestCaseBody>;

// patchShape: a field left out stays as it is (a plain .partial() would fill in its default).
export const UpdateTestCaseBody = z.strictObject(patchShape(testCaseShape)).meta({ id: "UpdateTestCaseBody" });
export type UpdateTestCaseBody = z.infer<typeof UpdateTestCaseBody>;

export const TestCase = z
  .object({
    id: idSchema("agentTestCase"),
    agentId: idSchema("agent"),
    ...testCaseShape,
    /** The session this case was saved from, if any. */
    sourceSessionId: text().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "TestCase" });
export type TestCase = z.infer<typeof TestCase>;

/** The case as the runtime runs it (no ids or timestamps needed). */
export const RunnableTestCase = z.object({ id: text(), ...testCaseShape });
export type RunnableTestCase = z.infer<typeof RunnableTestCase>;

export const TestMode = z.enum(["text", "audio"]);
export type TestMode = z.infer<typeof TestMode>;

/** Save a session as a test case: its user turns become a scripted caller, its tool calls expectations and mocks. */
export const SaveSessionAsTestBody = z
  .strictObject({ name: text().trim().min(1).max(100).optional(), required: z.boolean().default(false) })
  .meta({ id: "SaveSessionAsTestBody" });

export const CreateTestRunBody = z
  .strictObject({
    /** The cases to run; all of the agent's when absent. */
    caseIds: z.array(idSchema("agentTestCase")).min(1).max(200).optional(),
    /** A published version's number, or "draft" (the configuration as it is now). */
    version: z.union([z.number().int().min(1), z.literal("draft")]).default("draft"),
    mode: TestMode.default("text"),
    /** Each case runs this many times (pass rate). */
    repeat: z.number().int().min(1).max(20).default(1),
  })
  .meta({ id: "CreateTestRunBody" });
export type CreateTestRunBody = z.infer<typeof CreateTestRunBody>;

export const TestResultStatus = z.enum(["passed", "failed", "skipped", "error"]);
export type TestResultStatus = z.infer<typeof TestResultStatus>;

export const TestToolCall = z.object({ name: text(), arguments: args, output: jsonValue().optional(), error: text().optional(), mocked: z.boolean() });

export const TestTurn = z.object({
  role: z.enum(["user", "agent"]),
  text: text(),
  /** Agent turns: tools called while producing it, in order. */
  toolCalls: z.array(TestToolCall).default([]),
  /** Agent turns: the agent the conversation was handed to, by name. */
  handoff: text().optional(),
  /** Milliseconds from the start of the case. */
  atMs: z.number().int().min(0),
});
export type TestTurn = z.infer<typeof TestTurn>;

export const TestFailure = z.object({
  expectation: TestExpectation,
  /** The caller's turn (1-based) the expectation belongs to; null for the whole conversation. */
  turn: z.number().int().nullable(),
  message: text(),
});
export type TestFailure = z.infer<typeof TestFailure>;

/** One run of one case, as the runtime reports it. */
export const TestCaseOutcome = z
  .object({
    status: TestResultStatus,
    /** skipped / error: why (e.g. "needs a real LLM"). */
    reason: text().nullable(),
    turns: z.array(TestTurn),
    failures: z.array(TestFailure),
    /** Judged expectations with the judge's verdict (skipped ones say so). */
    judged: z.array(z.object({ criteria: text(), turn: z.number().int().nullable(), verdict: z.enum(["pass", "fail", "skipped"]), reason: text() })),
    durationMs: z.number().int().min(0),
    usage: z.object({ prompt: z.number().int(), completion: z.number().int() }),
  })
  .meta({ id: "TestCaseOutcome" });
export type TestCaseOutcome = z.infer<typeof TestCaseOutcome>;

export const TestResult = TestCaseOutcome.extend({
  caseId: text(),
  caseName: text(),
  /** 1-based: which of the run's repeats. */
  iteration: z.number().int().min(1),
}).meta({ id: "TestResult" });
export type TestResult = z.infer<typeof TestResult>;

export const TestRunStatus = z.enum(["queued", "running", "passed", "failed", "error"]);
export type TestRunStatus = z.infer<typeof TestRunStatus>;

export const TestRunTrigger = z.enum(["manual", "publish", "api"]);

export const TestRunCaseSummary = z.object({ caseId: text(), caseName: text(), passed: z.number().int(), failed: z.number().int(), skipped: z.number().int(), errors: z.number().int(), passRate: z.number().nullable() });

export const TestRun = z
  .object({
    id: idSchema("agentTestRun"),
    agentId: idSchema("agent"),
    /** The published version run, or null for the draft (then `draftVersion`). */
    agentVersion: z.number().int().nullable(),
    draftVersion: z.number().int().nullable(),
    mode: TestMode,
    repeat: z.number().int(),
    trigger: TestRunTrigger,
    status: TestRunStatus,
    /** error: why the run could not run (the runtime unreachable…). */
    reason: text().nullable(),
    total: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    errors: z.number().int(),
    /** Passed ÷ (passed + failed + errors); null when nothing counted. */
    passRate: z.number().nullable(),
    cases: z.array(TestRunCaseSummary),
    createdBy: text().nullable(),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: "TestRun" });
export type TestRun = z.infer<typeof TestRun>;

export const TestRunDetail = TestRun.extend({ results: z.array(TestResult) }).meta({ id: "TestRunDetail" });
export type TestRunDetail = z.infer<typeof TestRunDetail>;

export { TestGate } from "./test-gate.ts";
