// Test cases run as the Worker would have the runtime run them, in text mode, on the offline
// scripted LLM (the seeded demo agent's brain) through the same agent builder and tools a session uses.
import type { RuntimeConfig, RuntimeTool } from "@speaknode/contracts";
import { describe, expect, it } from "vitest";
import { billingAgentId, runtimeConfig, sessionId } from "../../test/fixtures.ts";
import { runTestCase } from "./run-case.ts";
import { caseDeps, checkOrderTool, demoConfig, endCallTool, request, testCase } from "./testing.ts";

const orderMock = { tool: "check_order", match: "subset", arguments: { orderId: "42" }, output: { orderId: "42", status: "out for delivery" } };

describe("a test case on the scripted LLM, in text mode", () => {
  it("passes a greeting, a mocked order lookup and a goodbye that ends the call, turn by turn", async () => {
    const tc = testCase({
      caller: {
        kind: "scripted",
        turns: [
          { user: "Hello there", expect: [{ type: "reply_contains", text: "How can I help" }, { type: "no_tool_called" }] },
          { user: "Please check my order number forty two", expect: [{ type: "tool_called", tool: "check_order", arguments: { orderId: "42" } }, { type: "reply_contains", text: "out for delivery" }] },
          { user: "That's all, thank you. Goodbye!", expect: [{ type: "tool_called", tool: "end_call" }, { type: "call_ended" }] },
        ],
      },
      toolMocks: [orderMock],
      expect: [{ type: "call_ended" }, { type: "max_turns", turns: 3 }, { type: "never_says", text: "didn't catch that" }],
    });
    const out = await runTestCase(request(demoConfig(), tc), caseDeps());
    expect(out.failures).toEqual([]);
    expect(out.status).toBe("passed");
    expect(out.turns.map((t) => [t.role, t.text])).toEqual([
      ["agent", "Hello Ada!"],
      ["user", "Hello there"],
      ["agent", "Hello! This is Reception. How can I help you today?"],
      ["user", "Please check my order number forty two"],
      ["agent", "Order 42: status out for delivery. Is there anything else I can help with?"],
      ["user", "That's all, thank you. Goodbye!"],
      ["agent", "Goodbye, and thanks for trying the Speaknode demo!"],
    ]);
    // Each tool call once, in the turn that made it: the mock's answer, end_call's farewell.
    expect(out.turns[4]?.toolCalls).toEqual([{ name: "check_order", arguments: { orderId: "42" }, output: { orderId: "42", status: "out for delivery" }, mocked: true }]);
    expect(out.turns[6]?.toolCalls).toEqual([{ name: "end_call", arguments: { farewell: "Goodbye, and thanks for trying the Speaknode demo!" }, mocked: false }]);
    expect(out.usage.prompt).toBeGreaterThan(0);
    expect(out.judged).toEqual([]);
  });

  it("stops the caller once the call ended, failing the turns it never reached", async () => {
    const tc = testCase({ caller: { kind: "scripted", turns: [{ user: "Goodbye" }, { user: "Hello?", expect: [{ type: "reply_contains", text: "hello" }] }] } });
    const out = await runTestCase(request(demoConfig(), tc), caseDeps());
    expect(out.status).toBe("failed");
    expect(out.failures.map((f) => f.message)).toEqual(["turn 2 was never reached: the conversation stopped after turn 1 (the call ended)"]);
    expect(out.turns.filter((t) => t.role === "user")).toHaveLength(1);
  });

  it("fails a case whose tool call no mock matches, and never calls the tool's API", async () => {
    const tc = testCase({
      caller: { kind: "scripted", turns: [{ user: "Please check order seven" }] },
      toolMocks: [orderMock],
    });
    const out = await runTestCase(request(demoConfig(), tc), caseDeps());
    expect(out.status).toBe("failed");
    expect(out.failures).toEqual([{ expectation: { type: "no_tool_called", tool: "check_order" }, turn: 1, message: `unmocked tool call: check_order (no mock matches {"orderId":"7"})` }]);
    expect(out.turns[2]?.toolCalls[0]).toMatchObject({ name: "check_order", arguments: { orderId: "7" }, error: expect.stringContaining("no mock of check_order"), mocked: false });
  });

  it("reports a failed expectation with what was expected and what the agent did", async () => {
    const tc = testCase({
      caller: { kind: "scripted", turns: [{ user: "Please check my order forty two", expect: [{ type: "reply_contains", text: "cancelled" }, { type: "no_tool_called" }] }] },
      toolMocks: [orderMock],
    });
    const out = await runTestCase(request(demoConfig(), tc), caseDeps());
    expect(out.status).toBe("failed");
    expect(out.failures.map((f) => f.message)).toEqual([
      `turn 1: expected the reply to contain "cancelled"; the agent said "Order 42: status out for delivery. Is there anything else I can help with?"`,
      `turn 1: expected no tool call; the agent called check_order({"orderId":"42"})`,
    ]);
  });

  it("hands a mock's error to the agent as the tool's failure", async () => {
    const tc = testCase({
      caller: { kind: "scripted", turns: [{ user: "Check order forty two please", expect: [{ type: "tool_called", tool: "check_order" }] }] },
      toolMocks: [{ tool: "check_order", error: "order service unavailable" }],
    });
    const out = await runTestCase(request(demoConfig(), tc), caseDeps());
    expect(out.status).toBe("passed");
    expect(out.turns[2]?.toolCalls[0]).toMatchObject({ name: "check_order", error: "order service unavailable", mocked: true });
  });

  it("skips a simulated caller and marks judged expectations skipped: both need a real LLM", async () => {
    const simulated = testCase({ caller: { kind: "simulated", persona: { identity: "Ada, a customer", goal: "Learn where order 42 is" } } });
    expect(await runTestCase(request(demoConfig(), simulated), caseDeps())).toMatchObject({ status: "skipped", reason: "needs a real LLM", turns: [] });
    const judged = testCase({ caller: { kind: "scripted", turns: [{ user: "Hello", expect: [{ type: "judge", criteria: "Greets warmly." }] }] } });
    const out = await runTestCase(request(demoConfig(), judged), caseDeps());
    expect(out).toMatchObject({ status: "passed", judged: [{ criteria: "Greets warmly.", turn: 1, verdict: "skipped", reason: "needs a real LLM" }] });
  });

  it("hands the conversation to another agent sent with the case, which greets with its own first message", async () => {
    const transfer: RuntimeTool = { type: "system", name: "transfer_to_agent", description: "Hand over.", targets: [{ agentId: billingAgentId, name: "Billing", when: "the caller asks about invoices" }], destinations: [] };
    const billing = runtimeConfig({
      sessionId: sessionId(),
      agentId: billingAgentId,
      llm: "scripted",
      name: "Billing",
      prompt: "You handle invoices.",
      locales: [{ language: "en-US", firstMessage: "Billing here, how can I help with your invoice?", tts: { provider: "fake", model: "fake", voice: "v2", params: {} }, speed: 1, background: { sound: "none", volume: 0 } }],
    });
    const tc = testCase({
      caller: { kind: "scripted", turns: [{ user: "Please transfer me to billing", expect: [{ type: "handoff", agent: "Billing" }, { type: "reply_contains", text: "Billing here" }] }] },
    });
    const out = await runTestCase(request(demoConfig({ tools: [transfer] }), tc, "text", [billing]), caseDeps());
    expect(out.failures).toEqual([]);
    expect(out.turns[2]).toMatchObject({ role: "agent", handoff: "Billing", toolCalls: [{ name: "transfer_to_agent", arguments: { agent: "Billing" } }] });
    // Without the target's configuration the hand-off fails, and so does the case.
    const alone = await runTestCase(request(demoConfig({ tools: [transfer] }), tc), caseDeps());
    expect(alone.failures[0]?.message).toBe("turn 1: expected a hand-off to Billing; there was none");
  });

  it("hands over when a mocked result matches the tool's transfer rule, as a real result would", async () => {
    const billing = runtimeConfig({
      sessionId: sessionId(),
      agentId: billingAgentId,
      llm: "scripted",
      name: "Billing",
      locales: [{ language: "en-US", firstMessage: "Billing here.", tts: { provider: "fake", model: "fake", voice: "v2", params: {} }, speed: 1, background: { sound: "none", volume: 0 } }],
    });
    const disputing: RuntimeTool = { ...checkOrderTool, transferRules: [{ targetAgentId: billingAgentId, resultMatch: { path: "status", equals: "disputed" } }] };
    const tc = testCase({
      caller: { kind: "scripted", turns: [{ user: "Check order forty two", expect: [{ type: "handoff", agent: billingAgentId }] }] },
      toolMocks: [{ tool: "check_order", output: { status: "disputed" } }],
      expect: [{ type: "reply_contains", text: "Billing here." }],
    });
    const out = await runTestCase(request(demoConfig({ tools: [disputing, endCallTool] }), tc, "text", [billing]), caseDeps());
    expect(out.failures).toEqual([]);
  });

  it("on a phone channel, records keys pressed and a transfer to a number, which ends the call", async () => {
    const phoneTools: RuntimeTool[] = [
      { type: "system", name: "send_dtmf", description: "Press keys.", targets: [], destinations: [] },
      { type: "system", name: "transfer_to_number", description: "Transfer the caller.", targets: [], destinations: [{ name: "Billing desk", number: "+15550100", when: "billing questions", announcement: "Putting you through." }] },
    ];
    const config: RuntimeConfig = { ...demoConfig({ tools: phoneTools }), channel: "phone", phone: { provider: "twilio", direction: "inbound", from: null, to: null, providerCallId: null, recordingEnabled: false, voicemail: { action: "hang_up", message: "" } } };
    const tc = testCase({
      channel: "phone",
      caller: {
        kind: "scripted",
        turns: [
          { user: "Press 1 2 3", expect: [{ type: "dtmf_sent", digits: "123" }] },
          { user: "Transfer me to the billing desk", expect: [{ type: "transfer", destination: "Billing desk" }, { type: "call_ended" }] },
          { user: "Hello?" },
        ],
      },
    });
    const out = await runTestCase(request(config, tc), caseDeps());
    expect(out.failures).toEqual([]);
    expect(out.turns.filter((t) => t.role === "user")).toHaveLength(2);
    // The same tools are not offered off the phone: the scripted LLM cannot press keys there.
    const web = await runTestCase(request(demoConfig({ tools: phoneTools }), tc), caseDeps());
    expect(web.failures.map((f) => f.message)).toContain("turn 1: expected keys 123 to be pressed; none were");
  });

  it("is an error, with the reason, when the agent's providers cannot run", async () => {
    const out = await runTestCase(request(demoConfig({ llm: "no-such-llm" }), testCase({})), caseDeps());
    expect(out.status).toBe("error");
    expect(out.reason).toMatch(/no-such-llm/);
  });

});

describe("a test case in audio mode", () => {
  it("speaks the caller's lines to the agent's own speech recognition (flite into pocketsphinx) (the scripted LLM hears flite through pocketsphinx)", { timeout: 120_000 }, async () => {
    const config = { ...demoConfig(), agent: { ...demoConfig().agent, stt: { provider: "pocketsphinx", model: "en-us", params: {} } }, locales: [{ ...demoConfig().locales[0]!, tts: { provider: "flite", model: "flite", voice: "slt", params: {} } }] };
    const tc = testCase({ caller: { kind: "scripted", turns: [{ user: "Hello", expect: [{ type: "no_tool_called" }] }] } });
    const out = await runTestCase(request(config, tc, "audio"), { ...caseDeps(), caseTimeoutMs: 90_000 });
    expect(out.status, out.reason ?? undefined).toBe("passed");
    expect(out.turns.some((t) => t.role === "user")).toBe(true);
  });
});
