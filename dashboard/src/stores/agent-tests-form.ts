// The test case editor's form: a flat, string-valued draft of a TestCase that inputs edit directly
// (JSON arguments and outputs as text, numbers as typed), turned into the API's body with the
// contract's own schema, so field errors are keyed by the body's paths (`caller.turns.0.expect.1.tool`)
// whether they come from the check before sending or from the API's problem.
import { CreateTestCaseBody, type TestCase, type TestExpectation, type ToolMock } from "../../../packages/contracts/src/agent-tests.ts";
import type { VariablesSchema, VariableValue } from "../../../packages/contracts/src/variables.ts";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";

export type ExpectationType = TestExpectation["type"];

/** Every expectation kind in the order the editor offers them, with its label. */
export const expectationTypes: [ExpectationType, string][] = [
  ["tool_called", "Tool called"],
  ["no_tool_called", "No tool called"],
  ["reply_contains", "Reply contains"],
  ["reply_matches", "Reply matches (regex)"],
  ["handoff", "Handed off to an agent"],
  ["transfer", "Transferred to a number"],
  ["dtmf_sent", "DTMF sent"],
  ["call_ended", "Call ended"],
  ["never_says", "Never says"],
  ["max_turns", "At most N turns"],
  ["max_duration", "At most N seconds"],
  ["judge", "Judged by an LLM"],
];

/** Kinds that only make sense for the whole conversation. */
export const conversationOnly: ReadonlySet<ExpectationType> = new Set(["max_turns", "max_duration"]);

/** One expectation being edited: every kind's fields, as typed; only the chosen kind's are sent. */
export interface ExpectationDraft {
  type: ExpectationType;
  tool: string;
  /** JSON object text; empty for any arguments. */
  arguments: string;
  text: string;
  caseSensitive: boolean;
  pattern: string;
  flags: string;
  agent: string;
  destination: string;
  digits: string;
  turns: string;
  seconds: string;
  criteria: string;
}

export interface MockDraft {
  tool: string;
  match: ToolMock["match"];
  arguments: string;
  answer: "output" | "error";
  /** JSON text. */
  output: string;
  error: string;
}

export interface CaseForm {
  name: string;
  description: string;
  required: boolean;
  callerKind: "scripted" | "simulated";
  turns: { user: string; expect: ExpectationDraft[] }[];
  persona: { identity: string; goal: string; traits: string };
  maxTurns: string;
  variables: { name: string; value: string }[];
  /** "" = the agent's default language. */
  language: string;
  channel: "web" | "phone";
  toolMocks: MockDraft[];
  expect: ExpectationDraft[];
}

export function newExpectation(type: ExpectationType = "reply_contains"): ExpectationDraft {
  return { type, tool: "", arguments: "", text: "", caseSensitive: false, pattern: "", flags: "i", agent: "", destination: "", digits: "", turns: "", seconds: "", criteria: "" };
}

export const newMock = (tool = ""): MockDraft => ({ tool, match: "any", arguments: "", answer: "output", output: "{}", error: "" });

export function emptyCaseForm(): CaseForm {
  return {
    name: "",
    description: "",
    required: false,
    callerKind: "scripted",
    turns: [{ user: "", expect: [] }],
    persona: { identity: "", goal: "", traits: "" },
    maxTurns: "8",
    variables: [],
    language: "",
    channel: "web",
    toolMocks: [],
    expect: [],
  };
}

const pretty = (v: unknown) => (v === undefined ? "" : JSON.stringify(v, null, 2));

export function expectationDraft(e: TestExpectation): ExpectationDraft {
  const d = newExpectation(e.type);
  switch (e.type) {
    case "tool_called":
      return { ...d, tool: e.tool, arguments: pretty(e.arguments) };
    case "no_tool_called":
      return { ...d, tool: e.tool ?? "" };
    case "reply_contains":
      return { ...d, text: e.text, caseSensitive: e.caseSensitive };
    case "reply_matches":
      return { ...d, pattern: e.pattern, flags: e.flags };
    case "handoff":
      return { ...d, agent: e.agent ?? "" };
    case "transfer":
      return { ...d, destination: e.destination ?? "" };
    case "dtmf_sent":
      return { ...d, digits: e.digits ?? "" };
    case "call_ended":
      return d;
    case "never_says":
      return { ...d, text: e.text };
    case "max_turns":
      return { ...d, turns: String(e.turns) };
    case "max_duration":
      return { ...d, seconds: String(e.seconds) };
    case "judge":
      return { ...d, criteria: e.criteria };
  }
}

/** The form of a saved case. */
export function caseForm(c: TestCase): CaseForm {
  const base = emptyCaseForm();
  return {
    ...base,
    name: c.name,
    description: c.description,
    required: c.required,
    callerKind: c.caller.kind,
    turns: c.caller.kind === "scripted" ? c.caller.turns.map((t) => ({ user: t.user, expect: t.expect.map(expectationDraft) })) : base.turns,
    persona: c.caller.kind === "simulated" ? { ...c.caller.persona } : base.persona,
    maxTurns: c.caller.kind === "simulated" ? String(c.caller.maxTurns) : base.maxTurns,
    variables: Object.entries(c.variables).map(([name, value]) => ({ name, value: value === null ? "" : String(value) })),
    language: c.language ?? "",
    channel: c.channel,
    toolMocks: c.toolMocks.map((m) => ({
      tool: m.tool,
      match: m.match,
      arguments: pretty(m.arguments),
      answer: m.error !== undefined ? "error" : "output",
      output: m.error !== undefined ? "{}" : pretty(m.output),
      error: m.error ?? "",
    })),
    expect: c.expect.map(expectationDraft),
  };
}

type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: "is not valid JSON" };
  }
}

/** A number as typed: NaN (refused by the schema with its path) for text that is not one. */
const num = (s: string) => (s.trim() === "" ? Number.NaN : Number(s));
const opt = (s: string) => (s.trim() === "" ? undefined : s.trim());

/** The values of the agent's variables as their declared types (undeclared ones as text; empty: not sent). */
function variableValue(raw: string, type: string | undefined): VariableValue {
  if (type === "number" || type === "integer") return raw.trim() === "" ? Number.NaN : Number(raw);
  if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}

/**
 * The API body of a form, with the errors found before sending (JSON that does not parse, then
 * the contract's schema), keyed by body path. `body` is null when there are errors.
 */
export function caseBody(form: CaseForm, schema?: VariablesSchema): { body: CreateTestCaseBody | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const json = (path: string, text: string, object: boolean): unknown => {
    const r = parseJson(text);
    if (!r.ok) return void (errors[path] = r.message);
    if (object && (typeof r.value !== "object" || r.value === null || Array.isArray(r.value))) return void (errors[path] = "must be a JSON object like {\"key\": \"value\"}");
    return r.value;
  };
  const expectation = (d: ExpectationDraft, path: string): Record<string, unknown> => {
    switch (d.type) {
      case "tool_called": {
        const args = d.arguments.trim() ? json(`${path}.arguments`, d.arguments, true) : undefined;
        return { type: d.type, tool: d.tool.trim(), ...(args !== undefined ? { arguments: args } : {}) };
      }
      case "no_tool_called":
        return { type: d.type, ...(opt(d.tool) ? { tool: opt(d.tool) } : {}) };
      case "reply_contains":
        return { type: d.type, text: d.text, caseSensitive: d.caseSensitive };
      case "reply_matches":
        return { type: d.type, pattern: d.pattern, flags: d.flags };
      case "handoff":
        return { type: d.type, ...(opt(d.agent) ? { agent: opt(d.agent) } : {}) };
      case "transfer":
        return { type: d.type, ...(opt(d.destination) ? { destination: opt(d.destination) } : {}) };
      case "dtmf_sent":
        return { type: d.type, ...(opt(d.digits) ? { digits: opt(d.digits) } : {}) };
      case "call_ended":
        return { type: d.type };
      case "never_says":
        return { type: d.type, text: d.text };
      case "max_turns":
        return { type: d.type, turns: num(d.turns) };
      case "max_duration":
        return { type: d.type, seconds: num(d.seconds) };
      case "judge":
        return { type: d.type, criteria: d.criteria };
    }
  };
  const caller =
    form.callerKind === "scripted"
      ? { kind: "scripted", turns: form.turns.map((t, i) => ({ user: t.user, expect: t.expect.map((e, j) => expectation(e, `caller.turns.${i}.expect.${j}`)) })) }
      : { kind: "simulated", persona: { ...form.persona }, maxTurns: num(form.maxTurns) };
  const variables: Record<string, VariableValue> = {};
  for (const [i, v] of form.variables.entries()) {
    const name = v.name.trim();
    if (!name) {
      errors[`variables.${i}`] = "give the variable's name";
      continue;
    }
    if (v.value === "" && schema?.properties[name]?.type !== "string") continue;
    variables[name] = variableValue(v.value, schema?.properties[name]?.type);
  }
  const toolMocks = form.toolMocks.map((m, i) => {
    const path = `toolMocks.${i}`;
    const args = m.match !== "any" && m.arguments.trim() ? json(`${path}.arguments`, m.arguments, true) : undefined;
    const answer = m.answer === "error" ? { error: m.error } : { output: json(`${path}.output`, m.output.trim() || "null", false) };
    return { tool: m.tool.trim(), match: m.match, ...(args !== undefined ? { arguments: args } : {}), ...answer };
  });
  const raw = {
    name: form.name,
    description: form.description,
    required: form.required,
    caller,
    variables,
    ...(form.language ? { language: form.language } : {}),
    channel: form.channel,
    toolMocks,
    expect: form.expect.map((e, j) => expectation(e, `expect.${j}`)),
  };
  const parsed = CreateTestCaseBody.safeParse(raw);
  if (!parsed.success) for (const [k, m] of Object.entries(zodFieldErrors(parsed.error))) errors[k] ??= m;
  return Object.keys(errors).length > 0 || !parsed.success ? { body: null, errors } : { body: parsed.data, errors };
}

/** A one-line description of an expectation, for results and lists. */
export function describeExpectation(e: TestExpectation): string {
  switch (e.type) {
    case "tool_called":
      return `calls ${e.tool}${e.arguments ? ` with ${JSON.stringify(e.arguments)}` : ""}`;
    case "no_tool_called":
      return e.tool ? `does not call ${e.tool}` : "calls no tool";
    case "reply_contains":
      return `reply contains "${e.text}"`;
    case "reply_matches":
      return `reply matches /${e.pattern}/${e.flags}`;
    case "handoff":
      return e.agent ? `hands off to ${e.agent}` : "hands off to another agent";
    case "transfer":
      return e.destination ? `transfers to ${e.destination}` : "transfers the call";
    case "dtmf_sent":
      return e.digits ? `sends DTMF ${e.digits}` : "sends DTMF";
    case "call_ended":
      return "ends the call";
    case "never_says":
      return `never says "${e.text}"`;
    case "max_turns":
      return `at most ${e.turns} turns`;
    case "max_duration":
      return `at most ${e.seconds} s`;
    case "judge":
      return `judged: ${e.criteria}`;
  }
}
