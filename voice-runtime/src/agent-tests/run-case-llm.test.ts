// Test cases on a real LLM (the OpenAI plugin against the local OpenAI-compatible server): the judge's
// forced verdict, and a simulated caller played by the same LLM.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAICompatibleServer } from "../../test/openai-compatible-server.ts";
import { runTestCase } from "./run-case.ts";
import { caseDeps, demoConfig, request, testCase } from "./testing.ts";

type Message = { role: string; content?: unknown };

let server: OpenAICompatibleServer;
beforeAll(async () => {
  server = await OpenAICompatibleServer.start();
  // One model playing every part, each recognised by its request: the judge is forced to call
  // verdict, the caller is told it plays one, the agent gets its tools.
  server.respondWith((body) => {
    const messages = (body["messages"] ?? []) as Message[];
    const system = String(messages[0]?.content ?? "");
    const last = messages.at(-1);
    const said = String(last?.content ?? "");
    const forced = body["tool_choice"] as { function?: { name?: string } } | undefined;
    if (forced?.function?.name === "verdict") {
      const met = /status/.test(said.split("Criteria:")[1] ?? "") && /out for delivery/.test(said);
      return { toolCalls: [{ name: "verdict", arguments: met ? { passed: true, reason: "It read the status back." } : { passed: false, reason: "Nothing of the sort was said." } }] };
    }
    if (system.includes("playing a caller")) {
      const spoken = (said.match(/^You: /gm) ?? []).length;
      return { text: spoken === 0 ? "Hi, where is my order 42?" : "Great, thank you. Bye! [DONE]" };
    }
    if (last?.role === "tool") return { text: "Your order 42 is out for delivery." };
    if (/order/i.test(said)) return { toolCalls: [{ name: "check_order", arguments: { orderId: "42" } }] };
    if (/bye/i.test(said)) return { toolCalls: [{ name: "end_call", arguments: { farewell: "Goodbye!" } }] };
    return { text: "Hello, how can I help?" };
  });
});
afterAll(async () => {
  await server.close();
});

const config = () => demoConfig({ llm: "openai-compatible" });
const orderMock = { tool: "check_order", match: "exact", arguments: { orderId: "42" }, output: { status: "out for delivery" } };

describe("a test case on a real LLM", () => {
  it("has the LLM judge criteria per turn and for the whole conversation, failing on a negative verdict", async () => {
    const tc = testCase({
      caller: { kind: "scripted", turns: [{ user: "Where is my order 42?", expect: [{ type: "tool_called", tool: "check_order" }, { type: "judge", criteria: "The agent tells the caller the order's status." }] }] },
      toolMocks: [orderMock],
      expect: [{ type: "judge", criteria: "The agent offers a discount." }],
    });
    const before = server.requestsTo("/v1/chat/completions").length;
    const out = await runTestCase(request(config(), tc), caseDeps(`${server.url}/v1`));
    expect(out.judged).toEqual([
      { criteria: "The agent tells the caller the order's status.", turn: 1, verdict: "pass", reason: "It read the status back." },
      { criteria: "The agent offers a discount.", turn: null, verdict: "fail", reason: "Nothing of the sort was said." },
    ]);
    expect(out.status).toBe("failed");
    expect(out.failures).toEqual([{ expectation: { type: "judge", criteria: "The agent offers a discount." }, turn: null, message: "the judge found the criteria not met: Nothing of the sort was said." }]);
    // The judge read the conversation with the mocked tool's answer, at temperature 0.
    const judged = server.requestsTo("/v1/chat/completions").slice(before).map((r) => r.body as Record<string, unknown>).filter((b) => JSON.stringify(b["tool_choice"] ?? "").includes("verdict"));
    expect(judged).toHaveLength(2);
    expect(judged[0]?.["temperature"]).toBe(0);
    expect(JSON.stringify(judged[0]?.["messages"])).toContain(`[called check_order({\\"orderId\\":\\"42\\"}) → {\\"status\\":\\"out for delivery\\"}] Your order 42 is out for delivery.`);
    expect(out.usage.prompt).toBeGreaterThan(0);
  });

  it("plays a simulated caller with the agent's LLM until it says it is done", async () => {
    const tc = testCase({
      caller: { kind: "simulated", persona: { identity: "Ada, a customer of the shop", goal: "Learn where order 42 is, then hang up", traits: "Brief." }, maxTurns: 5 },
      toolMocks: [orderMock],
      expect: [{ type: "tool_called", tool: "check_order", arguments: { orderId: "42" } }, { type: "call_ended" }, { type: "max_turns", turns: 2 }],
    });
    const out = await runTestCase(request(config(), tc), caseDeps(`${server.url}/v1`));
    expect(out.failures).toEqual([]);
    expect(out.status).toBe("passed");
    expect(out.turns.map((t) => [t.role, t.text])).toEqual([
      ["agent", "Hello Ada!"],
      ["user", "Hi, where is my order 42?"],
      ["agent", "Your order 42 is out for delivery."],
      ["user", "Great, thank you. Bye!"],
      ["agent", "Goodbye!"],
    ]);
  });

  it("is an error, not a failure, when the agent's LLM refuses", async () => {
    const refusing = await OpenAICompatibleServer.start();
    refusing.respondWith(() => ({ error: { status: 401, message: "invalid api key" } }));
    try {
      const tc = testCase({ caller: { kind: "scripted", turns: [{ user: "Where is my order 42?" }] }, toolMocks: [orderMock] });
      const out = await runTestCase(request(config(), tc), { ...caseDeps(`${refusing.url}/v1`), caseTimeoutMs: 20_000 });
      expect(out).toMatchObject({ status: "error", reason: expect.stringContaining("invalid api key"), failures: [] });
    } finally {
      await refusing.close();
    }
  });

  it("stops a simulated caller at its maximum turns", async () => {
    const tc = testCase({ caller: { kind: "simulated", persona: { identity: "Ada", goal: "Chat" }, maxTurns: 1 }, toolMocks: [orderMock] });
    const out = await runTestCase(request(config(), tc), caseDeps(`${server.url}/v1`));
    expect(out.turns.filter((t) => t.role === "user").map((t) => t.text)).toEqual(["Hi, where is my order 42?"]);
  });
});
