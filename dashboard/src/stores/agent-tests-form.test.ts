// The test case form without a DOM: a saved case round-trips through the form to the same body,
// every expectation kind is sent with its own fields only, JSON typed for arguments and outputs is
// checked with errors at the body's paths, and variables are sent as their declared types.
import { describe, expect, it } from "vitest";
import { CreateTestCaseBody, type TestCase, type TestExpectation } from "../../../packages/contracts/src/agent-tests.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { caseBody, caseForm, describeExpectation, emptyCaseForm, expectationDraft, expectationTypes, newExpectation, newMock } from "./agent-tests-form.ts";

const every: TestExpectation[] = [
  { type: "tool_called", tool: "check_order", arguments: { order_id: "42" } },
  { type: "no_tool_called" },
  { type: "no_tool_called", tool: "refund" },
  { type: "reply_contains", text: "shipped", caseSensitive: true },
  { type: "reply_matches", pattern: "order\\s+42", flags: "i" },
  { type: "handoff", agent: "Billing" },
  { type: "transfer" },
  { type: "dtmf_sent", digits: "12#" },
  { type: "call_ended" },
  { type: "never_says", text: "I cannot help" },
  { type: "max_turns", turns: 6 },
  { type: "max_duration", seconds: 90 },
  { type: "judge", criteria: "The agent is polite" },
];

function saved(over: Partial<TestCase> = {}): TestCase {
  return {
    id: newId("agentTestCase"),
    agentId: newId("agent"),
    name: "Order lookup",
    description: "",
    required: true,
    caller: { kind: "scripted", turns: [{ user: "Where is order 42?", expect: every.filter((e) => e.type !== "max_turns" && e.type !== "max_duration") }, { user: "Bye", expect: [] }] },
    variables: { customer_name: "Dana", vip: true, credit: 12.5 },
    language: "en",
    channel: "phone",
    toolMocks: [
      { tool: "check_order", match: "subset", arguments: { order_id: "42" }, output: { status: "shipped" } },
      { tool: "refund", match: "any", error: "refunds are closed" },
    ],
    expect: every,
    sourceSessionId: null,
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
    ...over,
  };
}

const schema = { type: "object" as const, properties: { customer_name: { type: "string" as const }, vip: { type: "boolean" as const }, credit: { type: "number" as const } }, required: [] };

describe("the test case form", () => {
  it("turns a saved case into a form and back into the same body", () => {
    const c = saved();
    const { body, errors } = caseBody(caseForm(c), schema);
    expect(errors).toEqual({});
    const { id: _id, agentId: _a, sourceSessionId: _s, createdAt: _c, updatedAt: _u, ...want } = c;
    expect(body).toEqual(CreateTestCaseBody.parse(want));
  });

  it("offers every expectation kind of the contract, each sent with only its own fields", () => {
    expect(expectationTypes.map(([t]) => t).sort()).toEqual([...new Set(every.map((e) => e.type))].sort());
    for (const e of every) {
      // Fields of other kinds left over from editing must not be sent.
      const d = expectationDraft(e);
      const draft = { ...d, criteria: d.criteria || "old", pattern: d.pattern || "stale", seconds: d.seconds || "3", turns: d.turns || "3" };
      const form = { ...emptyCaseForm(), name: "x", turns: [{ user: "hi", expect: [] }], expect: [draft] };
      const { body } = caseBody(form);
      expect(body?.expect).toEqual([TestExpectationOf(e)]);
      expect(describeExpectation(e)).not.toBe("");
    }
  });

  it("keeps a simulated caller's persona and turn limit", () => {
    const form = { ...emptyCaseForm(), name: "Persona", callerKind: "simulated" as const, persona: { identity: "Dana", goal: "find order 42", traits: "" }, maxTurns: "5" };
    expect(caseBody(form).body?.caller).toEqual({ kind: "simulated", persona: { identity: "Dana", goal: "find order 42", traits: "" }, maxTurns: 5 });
    expect(caseForm(saved({ caller: { kind: "simulated", persona: { identity: "A", goal: "B", traits: "C" }, maxTurns: 3 } })).maxTurns).toBe("3");
  });

  it("reports JSON that does not parse, or is not an object, at the body's path, and sends nothing", () => {
    const form = emptyCaseForm();
    form.name = "Bad JSON";
    form.turns = [{ user: "hi", expect: [{ ...newExpectation("tool_called"), tool: "check_order", arguments: "{order: 42}" }] }];
    form.toolMocks = [{ ...newMock("check_order"), match: "exact", arguments: "[1]", output: "{" }];
    const { body, errors } = caseBody(form);
    expect(body).toBeNull();
    expect(errors).toMatchObject({
      "caller.turns.0.expect.0.arguments": "is not valid JSON",
      "toolMocks.0.arguments": expect.stringContaining("JSON object"),
      "toolMocks.0.output": "is not valid JSON",
    });
  });

  it("reports the contract's own refusals at their paths: an empty caller line, a bad regex, a turn limit out of range, a mock without its error", () => {
    const form = emptyCaseForm();
    form.turns = [{ user: " ", expect: [{ ...newExpectation("reply_matches"), pattern: "(" }] }];
    form.toolMocks = [{ ...newMock("refund"), answer: "error", error: "" }];
    form.expect = [{ ...newExpectation("max_turns"), turns: "0" }];
    const { errors } = caseBody(form);
    expect(Object.keys(errors).sort()).toEqual(["caller.turns.0.expect.0.pattern", "caller.turns.0.user", "expect.0.turns", "name", "toolMocks.0.error"]);
    expect(errors["caller.turns.0.expect.0.pattern"]).toMatch(/regular expression/);
  });

  it("sends variables as their declared types and leaves out empty non-text ones", () => {
    const form = { ...emptyCaseForm(), name: "Vars", turns: [{ user: "hi", expect: [] }] };
    form.variables = [
      { name: "customer_name", value: "Dana" },
      { name: "vip", value: "false" },
      { name: "credit", value: "" },
      { name: "undeclared", value: "7" },
    ];
    expect(caseBody(form, schema).body?.variables).toEqual({ customer_name: "Dana", vip: false, undeclared: "7" });
    form.variables.push({ name: " ", value: "x" });
    expect(caseBody(form, schema).errors).toEqual({ "variables.4": "give the variable's name" });
  });
});

/** The expectation as the contract parses it (defaults filled in). */
function TestExpectationOf(e: TestExpectation): TestExpectation {
  return CreateTestCaseBody.parse({ name: "x", caller: { kind: "scripted", turns: [{ user: "hi" }] }, expect: [e] }).expect[0] as TestExpectation;
}
