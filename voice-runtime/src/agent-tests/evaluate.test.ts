import type { TestExpectation } from "@speaknode/contracts";
import { describe, expect, it } from "vitest";
import { evaluate, type EvaluateOptions } from "./evaluate.ts";
import { ConversationLog } from "./log.ts";
import { testCase } from "./testing.ts";

/** Greeting, then turn 1: an order lookup; turn 2: keys, a hand-off, a transfer and the end. */
function conversation(): ConversationLog {
  const log = new ConversationLog();
  log.recordAgentText("Hello Ada!");
  log.beginUserTurn("Check order 42");
  log.recordToolCall({ name: "check_order", arguments: { orderId: "42", opts: { fast: true } }, output: { status: "shipped" }, mocked: true });
  log.recordAgentText("Order 42 has shipped.");
  log.beginUserTurn("Press one and put me through to billing");
  log.recordDtmf("1#");
  log.recordHandoff("Billing", "agt_0000000000000000000000b111");
  log.recordTransfer("Front desk");
  log.recordAgentText("Transferring you now.");
  return log;
}

const options = (over: Partial<EvaluateOptions> = {}): EvaluateOptions => ({ durationMs: 4000, judge: null, unmocked: [], ...over });

/** Runs `e` as turn 1's expectation, turn 2's, and the whole conversation's; the messages of each failure (null: met). */
async function verdicts(e: TestExpectation): Promise<[string | null, string | null, string | null]> {
  const tc = testCase({ caller: { kind: "scripted", turns: [{ user: "a", expect: [e] }, { user: "b", expect: [e] }] }, expect: [e] });
  const { failures } = await evaluate(tc, conversation(), options());
  const of = (turn: number | null) => failures.find((f) => f.turn === turn)?.message ?? null;
  return [of(1), of(2), of(null)];
}

describe("expectations", () => {
  it("tool_called: the tool, then at least the arguments (deep), per turn and over the whole", async () => {
    expect(await verdicts({ type: "tool_called", tool: "check_order", arguments: { opts: { fast: true } } })).toEqual([null, "turn 2: expected a call of check_order; the agent called no tool", null]);
    const [wrong] = await verdicts({ type: "tool_called", tool: "check_order", arguments: { orderId: "7" } });
    expect(wrong).toBe(`turn 1: expected check_order with at least {"orderId":"7"}; it was called with {"orderId":"42","opts":{"fast":true}}`);
  });

  it("no_tool_called: none at all, or not this one", async () => {
    expect(await verdicts({ type: "no_tool_called" })).toEqual([`turn 1: expected no tool call; the agent called check_order({"orderId":"42","opts":{"fast":true}})`, null, expect.stringContaining("expected no tool call")]);
    expect((await verdicts({ type: "no_tool_called", tool: "end_call" })).every((v) => v === null)).toBe(true);
  });

  it("reply_contains: case-insensitive unless asked, quoting what the agent said", async () => {
    expect(await verdicts({ type: "reply_contains", text: "SHIPPED", caseSensitive: false })).toEqual([null, `turn 2: expected the reply to contain "SHIPPED"; the agent said "Transferring you now."`, null]);
    expect((await verdicts({ type: "reply_contains", text: "SHIPPED", caseSensitive: true }))[0]).toContain(`the agent said "Order 42 has shipped."`);
    // The greeting counts for the whole conversation only.
    expect(await verdicts({ type: "reply_contains", text: "Hello Ada", caseSensitive: false })).toEqual([expect.any(String), expect.any(String), null]);
  });

  it("reply_matches: a regular expression with its flags", async () => {
    expect(await verdicts({ type: "reply_matches", pattern: "order \\d+ has", flags: "i" })).toEqual([null, `turn 2: expected the reply to match /order \\d+ has/i; the agent said "Transferring you now."`, null]);
  });

  it("handoff: to whichever agent, or to one by name (in whatever case) or id", async () => {
    expect(await verdicts({ type: "handoff" })).toEqual(["turn 1: expected a hand-off; there was none", null, null]);
    expect((await verdicts({ type: "handoff", agent: "billing" }))[1]).toBeNull();
    expect((await verdicts({ type: "handoff", agent: "agt_0000000000000000000000b111" }))[1]).toBeNull();
    expect((await verdicts({ type: "handoff", agent: "Support" }))[1]).toBe("turn 2: expected a hand-off to Support; the conversation went to Billing");
  });

  it("transfer, dtmf_sent and call_ended", async () => {
    expect(await verdicts({ type: "transfer", destination: "front desk" })).toEqual(["turn 1: expected a transfer to front desk; there was none", null, null]);
    expect((await verdicts({ type: "transfer", destination: "Sales" }))[2]).toBe("expected a transfer to Sales; the call was transferred to Front desk");
    expect(await verdicts({ type: "dtmf_sent", digits: "1#" })).toEqual(["turn 1: expected keys 1# to be pressed; none were", null, null]);
    expect((await verdicts({ type: "dtmf_sent", digits: "2" }))[1]).toBe("turn 2: expected the keys 2; the agent pressed 1#");
    expect(await verdicts({ type: "call_ended" })).toEqual([`turn 1: expected the call to end; it did not (the agent said "Order 42 has shipped.")`, null, null]);
  });

  it("never_says: anywhere in the scope, any case", async () => {
    expect(await verdicts({ type: "never_says", text: "hello ada" })).toEqual([null, null, `expected the agent never to say "hello ada"; the agent said "Hello Ada! Order 42 has shipped. Transferring you now."`]);
  });

  it("max_turns and max_duration: over the whole conversation", async () => {
    expect((await verdicts({ type: "max_turns", turns: 2 }))[2]).toBeNull();
    expect((await verdicts({ type: "max_turns", turns: 1 }))[2]).toBe("expected at most 1 caller turns; the conversation took 2");
    expect((await verdicts({ type: "max_duration", seconds: 4 }))[2]).toBeNull();
    expect((await verdicts({ type: "max_duration", seconds: 3 }))[2]).toBe("expected at most 3 s; the conversation took 4.0 s");
  });

  it("a turn the conversation never reached fails each of its expectations, saying where it stopped", async () => {
    const log = new ConversationLog();
    log.beginUserTurn("Bye");
    log.recordEnded("agent_ended_call");
    const tc = testCase({ caller: { kind: "scripted", turns: [{ user: "Bye" }, { user: "Hello?", expect: [{ type: "reply_contains", text: "hi" }] }] } });
    const { failures } = await evaluate(tc, log, options());
    expect(failures).toEqual([{ expectation: { type: "reply_contains", text: "hi", caseSensitive: false }, turn: 2, message: "turn 2 was never reached: the conversation stopped after turn 1 (the call ended)" }]);
  });

  it("an unmocked tool call is a failure of its turn", async () => {
    const { failures } = await evaluate(testCase({}), conversation(), options({ unmocked: [{ tool: "create_order", arguments: { qty: 1 }, turn: 1 }] }));
    expect(failures).toEqual([{ expectation: { type: "no_tool_called", tool: "create_order" }, turn: 1, message: `unmocked tool call: create_order (no mock matches {"qty":1})` }]);
  });

  it("judge: skipped without a real LLM, else the judge's verdict per turn or for the whole", async () => {
    const e: TestExpectation = { type: "judge", criteria: "The agent reads the order's status." };
    const tc = testCase({ caller: { kind: "scripted", turns: [{ user: "a", expect: [e] }] }, expect: [e] });
    const skipped = await evaluate(tc, conversation(), options());
    expect(skipped).toEqual({ failures: [], judged: [{ criteria: e.criteria, turn: 1, verdict: "skipped", reason: "needs a real LLM" }, { criteria: e.criteria, turn: null, verdict: "skipped", reason: "needs a real LLM" }] });
    const asked: (number | null)[] = [];
    const judge = async (_c: string, turn: number | null) => (asked.push(turn), turn === 1 ? { passed: true, reason: "It said shipped." } : { passed: false, reason: "It never says." });
    const judged = await evaluate(tc, conversation(), options({ judge }));
    expect(asked).toEqual([1, null]);
    expect(judged.judged.map((j) => j.verdict)).toEqual(["pass", "fail"]);
    expect(judged.failures).toEqual([{ expectation: e, turn: null, message: "the judge found the criteria not met: It never says." }]);
    const broken = await evaluate(tc, conversation(), options({ judge: async () => Promise.reject(new Error("it called no tool")) }));
    expect(broken.failures[0]?.message).toBe("the judge gave no usable verdict (it called no tool)");
  });
});
