import { llm } from "@livekit/agents";
import { newId } from "@speaknode/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpGuard } from "./http-guard.ts";
import { closeAll, harness, json, sessions, startApi, toolDef } from "./testing.ts";
import type { WebhookToolHooks } from "./types.ts";
import { createWebhookTool } from "./webhook.ts";

afterEach(closeAll);

describe("createWebhookTool", () => {
  it("sends path, body, rendered headers and the secret header, and hands the JSON answer to the LLM", async () => {
    const api = await startApi(json(200, { status: "created", id: 7 }));
    const h = await harness(toolDef({ url: `${api.base}/{{tenant}}/orders/{orderId}?region={{region}}` }));
    const result = await h.call({ orderId: "A/1", qty: 2 });
    expect(result).toEqual({ output: JSON.stringify({ status: "created", id: 7 }), isError: false });
    expect(api.seen).toHaveLength(1);
    const req = api.seen[0];
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe("/acme%20corp/orders/A%2F1?region=eu");
    expect(JSON.parse(req?.body ?? "")).toEqual({ qty: 2 });
    expect(req?.headers["x-tenant"]).toBe("acme corp");
    expect(req?.headers["authorization"]).toBe("Bearer s3cret");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(h.records).toEqual([
      expect.objectContaining({ toolCallId: "fake_call_0", name: "create_order", request: { orderId: "A/1", qty: 2 }, response: { status: "created", id: 7 }, status: "ok" }),
    ]);
    expect(h.records[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(h.records[0]?.startedAt ?? ""))).toBe(false);
  });

  it("refuses a call whose URL is not on the origin its secret headers are bound to, sending nothing", async () => {
    const api = await startApi(json(200, { ok: true }));
    // e.g. a published snapshot still holding the URL of a server the tool has since left.
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}`, secretOrigin: "https://shop.example.com" }));
    const result = await h.call({ orderId: "A1", qty: 1 });
    expect(result.isError).toBe(true);
    expect(result.output).toContain("not where its credentials belong");
    expect(api.seen).toHaveLength(0);
    expect(h.records[0]).toMatchObject({ status: "error", error: expect.stringContaining(`the request would go to ${api.base}; its secrets are bound to https://shop.example.com`) });
    // Without a bound origin the secrets go nowhere either.
    const unbound = await harness(toolDef({ url: `${api.base}/orders/{orderId}`, secretOrigin: null }));
    expect((await unbound.call({ orderId: "A1", qty: 1 })).isError).toBe(true);
    expect(api.seen).toHaveLength(0);
  });

  it("calls a tool without secret headers wherever the guard allows, whatever its bound origin", async () => {
    const api = await startApi(json(200, { ok: true }));
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}`, secretHeaders: {}, secretOrigin: null }));
    expect((await h.call({ orderId: "A1", qty: 1 })).isError).toBe(false);
    expect(api.seen).toHaveLength(1);
  });

  it("places arguments where parameterLocations say, with query arrays repeated and spaces as %20", async () => {
    const api = await startApi(json(200, { ok: true }));
    const def = toolDef({
      method: "GET",
      url: `${api.base}/items/{id}`,
      bodySchema: { type: "object", properties: { id: { type: "integer" }, tag: { type: "array", items: { type: "string" } }, filter: { type: "object" } } },
      parameterLocations: { id: "path", tag: "query", filter: "bodyRoot" },
    });
    await (await harness(def)).call({ id: 5, tag: ["a", "b c"], filter: { color: "red" } });
    expect(api.seen[0]?.url).toBe("/items/5?tag=a&tag=b%20c");
    expect(JSON.parse(api.seen[0]?.body ?? "")).toEqual({ color: "red" });
  });

  it("puts the arguments of a GET tool without locations in the query string", async () => {
    const api = await startApi(json(200, []));
    const def = toolDef({ method: "GET", url: `${api.base}/orders/{orderId}`, headers: {}, secretHeaders: {} });
    await (await harness(def)).call({ orderId: "9", qty: 3, note: "x&y" });
    expect(api.seen[0]?.url).toBe("/orders/9?qty=3&note=x%26y");
    expect(api.seen[0]?.body).toBe("");
  });

  it("refuses invalid arguments before any request, telling the LLM which fields are wrong", async () => {
    const api = await startApi(json(200, {}));
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}` }));
    const result = await h.call({ qty: 0, note: 5 });
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/^Invalid arguments for create_order: /);
    expect(result.output).toContain("orderId: is required");
    expect(result.output).toContain("qty: must be at least 1");
    expect(result.output).toContain("note: must be of type string");
    // Worded from the schema: the spoken values stay out of the message.
    expect(result.output).not.toMatch(/\b0\b|\b5\b/);
    expect(api.seen).toHaveLength(0);
    expect(h.records).toEqual([expect.objectContaining({ status: "error", request: { qty: 0, note: 5 } })]);
  });

  it("reports a timeout when the API is slower than timeoutMs", async () => {
    const api = await startApi(() => undefined);
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}`, timeoutMs: 300 }));
    const started = Date.now();
    const result = await h.call({ orderId: "1", qty: 1 });
    expect(result).toEqual({ output: "the tool timed out", isError: true });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(h.records[0]?.status).toBe("timeout");
  });

  it("turns a 500 into a tool error and the conversation goes on", async () => {
    const api = await startApi((_req, res) => res.writeHead(500, { "content-type": "text/plain" }).end("database   exploded\n"));
    const def = toolDef({ url: `${api.base}/orders/{orderId}` });
    const h = await harness(def);
    const result = await h.call({ orderId: "1", qty: 1 });
    expect(result).toEqual({ output: "the tool's API answered HTTP 500: database exploded", isError: true });
    expect(h.records[0]).toMatchObject({ status: "error", error: "the tool's API answered HTTP 500: database exploded" });
    const session = sessions[0];
    if (session === undefined) throw new Error("no session");
    // The same session still answers the next turn.
    const next = await session.run({ userInput: "go" }).wait();
    expect(next.events.filter((e) => e.type === "function_call_output")).toHaveLength(1);
    expect(api.seen).toHaveLength(2);
  });

  it("truncates a long answer with a marker", async () => {
    const api = await startApi(json(200, { items: "x".repeat(3000) }));
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}` }), { maxResponseChars: 1000 });
    const { output, isError } = await h.call({ orderId: "1", qty: 1 });
    expect(isError).toBe(false);
    const text = JSON.parse(output) as string;
    expect(text).toContain("[truncated: the response has 3012 characters; only the first 1000 are shown]");
    expect(text.startsWith(`{"items":"${"x".repeat(990)}`)).toBe(true);
    expect(text.length).toBeLessThan(1200);
  });

  it("stops reading an endless answer and still answers the LLM", async () => {
    const api = await startApi((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const pump = (): void => {
        while (!res.destroyed && res.write("y".repeat(4096)));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}` }), { maxResponseChars: 500 });
    const text = JSON.parse((await h.call({ orderId: "1", qty: 1 })).output) as string;
    expect(text).toMatch(/^y{500}\n\[truncated: the response was longer than 2000 bytes/);
  });

  it("asks for a transfer when a result matches a rule, and only then", async () => {
    const target = newId("agent");
    const api = await startApi((req, res) => json(200, { order: { state: req.url?.includes("/2") === true ? "escalate" : "ok" } })(req, res));
    const def = toolDef({
      url: `${api.base}/orders/{orderId}`,
      transferRules: [
        { targetAgentId: target, resultMatch: { path: "order.state", equals: "escalate" } },
        { targetAgentId: newId("agent"), when: "the caller wants billing" },
      ],
    });
    const matching = await harness(def);
    await matching.call({ orderId: "2", qty: 1 });
    expect(matching.transfers).toEqual([[target, 'tool create_order returned order.state = "escalate"']]);
    const other = await harness(def);
    await other.call({ orderId: "1", qty: 1 });
    expect(other.transfers).toEqual([]);
  });

  it("says the pre-tool speech before the request reaches the API", async () => {
    const log: string[] = [];
    const api = await startApi(json(200, { ok: true }), log);
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}`, preToolSpeech: "One moment for {{tenant}}." }), { log });
    await h.call({ orderId: "1", qty: 1 });
    expect(log).toEqual(["say One moment for acme corp.", "request /orders/1"]);
  });

  it("says the progress line only when the API is slower than afterMs", async () => {
    const progressSpeech = { text: "Still checking.", afterMs: 200 };
    const slow = await startApi(json(200, { ok: true }, 600));
    const slowHarness = await harness(toolDef({ url: `${slow.base}/orders/{orderId}`, progressSpeech }));
    await slowHarness.call({ orderId: "1", qty: 1 });
    expect(slowHarness.said).toEqual(["Still checking."]);

    const fast = await startApi(json(200, { ok: true }));
    const fastHarness = await harness(toolDef({ url: `${fast.base}/orders/{orderId}`, progressSpeech }));
    await fastHarness.call({ orderId: "1", qty: 1 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fastHarness.said).toEqual([]);
  });

  it("refuses a destination the guard does not allow", async () => {
    const api = await startApi(json(200, {}));
    const h = await harness(toolDef({ url: `${api.base}/orders/{orderId}` }), { allow: [] });
    const result = await h.call({ orderId: "1", qty: 1 });
    expect(result).toEqual({ output: "the tool's address is not allowed", isError: true });
    expect(api.seen).toHaveLength(0);
    expect(h.records[0]?.error).toMatch(/loopback/);
  });

  it("describes transfers to the LLM and turns OpenAPI nullable into JSON Schema", () => {
    const def = toolDef({
      url: "https://api.example.com/x",
      bodySchema: { type: "object", properties: { note: { type: "string", nullable: true } } },
      transferRules: [{ targetAgentId: newId("agent"), when: "the caller asks for a human." }],
    });
    const hooks: WebhookToolHooks = { say: () => ({ interrupt: () => undefined, done: Promise.resolve() }), onCall: () => undefined, transfer: () => undefined };
    const tool = createWebhookTool(def, { variables: {}, guard: createHttpGuard({ allowPrivateHosts: [] }), hooks });
    expect(llm.isFunctionTool(tool)).toBe(true);
    expect(tool.name).toBe("create_order");
    expect(tool.description).toBe("Creates an order.\nCalling this tool may hand the conversation over to another agent, when: the caller asks for a human.");
    expect(tool.parameters).toEqual({ type: "object", properties: { note: { type: ["string", "null"] } } });
  });
});
