import { voice } from "@livekit/agents";
import type { ToolMock } from "@speaknode/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpGuard } from "../tools/http-guard.ts";
import { closeAll, json, sessions, startApi, toolDef } from "../tools/testing.ts";
import type { ToolCallRecord, WebhookToolHooks } from "../tools/types.ts";
import { createWebhookTool } from "../tools/webhook.ts";
import { deepEqual, deepSubset, findMock, MockBook } from "./mocks.ts";

afterEach(closeAll);

const mock = (m: Partial<ToolMock> & Pick<ToolMock, "tool">): ToolMock => ({ match: "any", output: "ok", ...m });

describe("tool mocks", () => {
  it("match any call, exact arguments (whatever the key order) or at least a deep subset, first in the list winning", () => {
    const mocks = [
      mock({ tool: "check_order", match: "exact", arguments: { orderId: "42", opts: { fast: true } }, output: "exact" }),
      mock({ tool: "check_order", match: "subset", arguments: { opts: { fast: true } }, output: "subset" }),
      mock({ tool: "check_order", output: "any" }),
    ];
    expect(findMock(mocks, "check_order", { opts: { fast: true }, orderId: "42" })?.output).toBe("exact");
    expect(findMock(mocks, "check_order", { orderId: "7", opts: { fast: true, gift: false } })?.output).toBe("subset");
    expect(findMock(mocks, "check_order", { orderId: "7", opts: { fast: false } })?.output).toBe("any");
    expect(findMock(mocks, "create_order", { orderId: "7" })).toBeUndefined();
    // exact means exact: an extra argument is not the same call.
    expect(findMock(mocks.slice(0, 1), "check_order", { orderId: "42", opts: { fast: true }, note: "x" })).toBeUndefined();
  });

  it("compare values strictly: a number is not its string, arrays item by item", () => {
    expect(deepSubset({ orderId: "42" }, { orderId: 42 })).toBe(false);
    expect(deepSubset({ items: [{ sku: "a" }] }, { items: [{ sku: "a", qty: 1 }] })).toBe(true);
    expect(deepSubset({ items: [{ sku: "a" }] }, { items: [{ sku: "a" }, { sku: "b" }] })).toBe(false);
    expect(deepEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });

  it("remember a call no mock matches, with its turn, and answer it with an error", () => {
    let turn = 2;
    const book = new MockBook([mock({ tool: "check_order", match: "exact", arguments: { orderId: "42" }, error: "order service down", output: undefined })], () => turn);
    expect(book.answer("check_order", { orderId: "42" })).toEqual({ error: "order service down" });
    turn = 3;
    expect(book.answer("check_order", { orderId: "7" })).toMatchObject({ error: expect.stringContaining("no mock of check_order") });
    expect(book.unmocked).toEqual([{ tool: "check_order", arguments: { orderId: "7" }, turn: 3 }]);
  });
});

/** A text session whose FakeLLM calls the tool once with `args`; the tool's hooks record everything. */
async function callMocked(def: ReturnType<typeof toolDef>, args: Record<string, unknown>, mocks: ToolMock[]) {
  const records: ToolCallRecord[] = [];
  const said: string[] = [];
  const transfers: string[] = [];
  const book = new MockBook(mocks, () => 1);
  const hooks: WebhookToolHooks = {
    say: (text) => (said.push(text), { interrupt: () => undefined, done: Promise.resolve() }),
    onCall: (r) => records.push(r),
    transfer: (target) => transfers.push(target),
    mock: (tool, a) => book.answer(tool, a),
  };
  const tool = createWebhookTool(def, { variables: { tenant: "acme", region: "eu" }, guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }), hooks, maxResponseChars: 8000 });
  const session = new voice.AgentSession({ llm: new voice.testing.FakeLLM([{ input: "go", toolCalls: [{ name: def.code, args }] }]) });
  sessions.push(session);
  await session.start({ agent: new voice.Agent({ instructions: "You place orders.", tools: [tool] }) });
  const result = await session.run({ userInput: "go" }).wait();
  const out = result.events.find((e) => e.type === "function_call_output");
  if (out?.type !== "function_call_output") throw new Error("the tool produced no output");
  return { output: out.item.output, isError: out.item.isError, records, said, transfers, book };
}

describe("a webhook tool with a test's mock", () => {
  it("answers from the mock instead of the API, speaking its pre-tool line and applying its transfer rules", async () => {
    const api = await startApi(json(200, { status: "from the API" }));
    const def = toolDef({ url: `${api.base}/orders/{orderId}`, preToolSpeech: "One moment.", transferRules: [{ targetAgentId: "agt_00000000000000000000000009", resultMatch: { path: "status", equals: "disputed" } }] });
    const r = await callMocked(def, { orderId: "42", qty: 1 }, [mock({ tool: "create_order", output: { status: "disputed" } })]);
    expect(r).toMatchObject({ output: JSON.stringify({ status: "disputed" }), isError: false, said: ["One moment."], transfers: ["agt_00000000000000000000000009"] });
    expect(r.records).toEqual([expect.objectContaining({ name: "create_order", request: { orderId: "42", qty: 1 }, response: { status: "disputed" }, status: "ok" })]);
    expect(api.seen).toHaveLength(0);
  });

  it("checks the arguments against the tool's schema before any mock is asked", async () => {
    const r = await callMocked(toolDef({ url: "http://127.0.0.1:9/orders" }), { orderId: "42" }, [mock({ tool: "create_order" })]);
    expect(r.isError).toBe(true);
    expect(r.output).toContain("Invalid arguments for create_order");
    expect(r.book.unmocked).toEqual([]);
  });

  it("hands a mock's error to the LLM as the tool's failure, and refuses a call no mock matches without calling the API", async () => {
    const api = await startApi(json(200, { status: "from the API" }));
    const failing = await callMocked(toolDef({ url: `${api.base}/orders` }), { orderId: "42", qty: 1 }, [mock({ tool: "create_order", output: undefined, error: "out of stock" })]);
    expect(failing).toMatchObject({ output: "out of stock", isError: true });
    expect(failing.records[0]).toMatchObject({ status: "error", error: "out of stock" });
    const unmocked = await callMocked(toolDef({ url: `${api.base}/orders` }), { orderId: "42", qty: 1 }, [mock({ tool: "create_order", match: "subset", arguments: { orderId: "7" } })]);
    expect(unmocked.isError).toBe(true);
    expect(unmocked.book.unmocked).toHaveLength(1);
    expect(api.seen).toHaveLength(0);
  });
});
