// The OpenAPI import end to end, as a user does it with the API and a call: on the local stack an
// Owner imports the demo shop's own document by URL (GET /dev/demo-shop/openapi.json: a relative
// server, an API key in the query, a form-encoded POST), sees both operations and the key it must
// give, confirms the notes operation with the key as a secret query parameter, attaches the tool to
// a new agent copied from the demo agent (the demo agent stays as it is), publishes, and calls it
// the way `npm run call` does (flite speaks, the local media transport carries it, pocketsphinx
// hears it, the offline scripted LLM calls the tool). The shop then holds a form-encoded note for
// the spoken order number with the key in its query string; the key shows nowhere in the session
// or the tool as the API returns them, and the agent's answer reads the shop's result.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ImportToolsResult, Tool } from "@speaknode/contracts";
import { demoAgentId } from "@speaknode/db";
import { demoShopApiKey, type ReceivedNote } from "../workers/src/dev-shop.ts";
import { finishedWebCall } from "./web-call.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-import-call-"));
// What the caller says (flite's rms voice, which pocketsphinx hears best): "note" picks the tool
// (the one word of its code, add_order_note, no other tool has: the live decoder often hears "add"
// as "then"), "seventy seven" fills orderId, and the words left over become the required note.
const utterance = "add a note to order seventy seven please leave it with the neighbor";
const orderId = "77";

let stack: LocalStack;
let ownerToken = "";
let spaceId = "";
let documentUrl = "";
let tool: Tool;
let agentId = "";
let sessionId = "";

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  ownerToken = await token(stack.url);
  spaceId = stack.demoSpaceId;
  documentUrl = `${stack.url}/dev/demo-shop/openapi.json`;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The response's text and status; throws unless it is `status` (any 2xx when omitted). */
async function apiText(method: string, path: string, body?: unknown, status?: number): Promise<{ status: number; text: string }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (status ? res.status !== status : !res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return { status: res.status, text };
}

/** The parts of GET /v1/sessions/{id} read here. */
interface SessionView {
  turns: { role: "user" | "agent"; text: string; startedAt: string }[];
  toolCalls: { name: string; status: string; request: Record<string, unknown>; at: string }[];
}

const api = async <T>(method: string, path: string, body?: unknown, status?: number): Promise<T> => JSON.parse((await apiText(method, path, body, status)).text) as T;

describe("an imported OpenAPI operation called in a real call", () => {
  it("previews the demo shop's document by URL: both operations, the form-encoded note, and the query API key to give", async () => {
    const preview = await api<ImportToolsResult>("POST", `/v1/spaces/${spaceId}/tools/import`, { source: { type: "url", url: documentUrl } }, 200);
    expect(preview.confirmed).toBe(false);
    expect(preview.operations.map((o) => `${o.method} ${o.path} ${o.code}`)).toEqual(["GET /orders/{orderId} get_order", "POST /orders/{orderId}/notes add_order_note"]);
    expect(preview.total).toBe(2);
    expect(preview.tools.map((t) => t.draft["code"])).toEqual(["get_order", "add_order_note"]);
    const notes = preview.tools.find((t) => t.draft["code"] === "add_order_note");
    // The relative server resolved against where the document was fetched from.
    expect(notes?.draft).toMatchObject({ method: "POST", url: `${stack.url}/dev/demo-shop/orders/{orderId}/notes`, bodyEncoding: "form" });
    expect(notes?.needsBaseUrl).toBe(false);
    expect(notes?.errors).toEqual([]);
    expect(preview.credentials.map(({ kind, name }) => ({ kind, name }))).toEqual([{ kind: "query", name: "api_key" }]);
    expect(preview.created).toEqual([]);
  });

  it("creates the notes tool with the key as a secret query parameter, which the API never shows", async () => {
    const { status, text } = await apiText("POST", `/v1/spaces/${spaceId}/tools/import`, { source: { type: "url", url: documentUrl }, confirm: true, operations: ["add_order_note"], secretQueryParams: { api_key: demoShopApiKey } }, 201);
    expect(status).toBe(201);
    expect(text).not.toContain(demoShopApiKey);
    const result = JSON.parse(text) as ImportToolsResult;
    expect(result.created).toHaveLength(1);
    tool = result.created[0] as Tool;
    expect(tool).toMatchObject({ code: "add_order_note", method: "POST", bodyEncoding: "form", secretQueryParamNames: ["api_key"], secretOrigin: new URL(stack.url).origin, secretHeaderNames: [] });
    const read = await apiText("GET", `/v1/tools/${tool.id}`);
    expect(read.text).not.toContain(demoShopApiKey);
    expect(JSON.parse(read.text)).toMatchObject({ id: tool.id, secretQueryParamNames: ["api_key"] });
    const listed = await apiText("GET", `/v1/spaces/${spaceId}/tools`);
    expect(listed.text).toContain(tool.id);
    expect(listed.text).not.toContain(demoShopApiKey);
  });

  it("attaches it to a new agent copied from the demo agent and publishes that agent, leaving the demo agent as it was", async () => {
    const demo = await api<Agent>("GET", `/v1/agents/${demoAgentId}`);
    // The configuration without what the server owns (id, version, publication, times).
    const { id: _id, spaceId: _space, version: _version, published: _published, publishedVersion: _publishedVersion, createdAt: _created, updatedAt: _updated, ...config } = demo;
    const created = await api<Agent>("POST", `/v1/spaces/${spaceId}/agents`, { ...config, name: "Demo shop notes", tools: [...config.tools, { type: "webhook", toolId: tool.id }] }, 201);
    agentId = created.id;
    const published = await api<Agent>("POST", `/v1/agents/${agentId}/publish`, {}, 200);
    expect(published.published).toBe(true);
    expect(published.tools).toContainEqual({ type: "webhook", toolId: tool.id });
    const demoAfter = await api<Agent>("GET", `/v1/agents/${demoAgentId}`);
    expect(demoAfter.version).toBe(demo.version);
    expect(demoAfter.tools).toEqual(demo.tools);
  });

  it("in a call, the agent sends the spoken order's note form-encoded with the key in the query and answers from the shop's result", async () => {
    sessionId = await finishedWebCall({ url: stack.url, agentId, scratch, utterance, statusOf: async (id) => (await api<{ status: string }>("GET", `/v1/sessions/${id}`)).status });

    const detailRes = await apiText("GET", `/v1/sessions/${sessionId}`);
    const detail = JSON.parse(detailRes.text) as SessionView;
    const said = detail.turns.map((t) => `${t.role}: ${t.text}`).join("\n");
    const calls = detail.toolCalls.filter((c) => c.name === "add_order_note");
    expect(calls, said).toHaveLength(1);
    const call = calls[0] as SessionView["toolCalls"][number];
    expect(call.status, JSON.stringify(call)).toBe("ok");
    // The arguments the scripted LLM took from the words; the key is not one of them.
    const args = call.request;
    expect(args).toMatchObject({ orderId, note: expect.stringMatching(/\S/) });
    expect(detailRes.text).not.toContain(demoShopApiKey);

    // What the shop received: a form-encoded POST for order 77, its key in the query string.
    const received = await api<ReceivedNote>("GET", `/dev/demo-shop/orders/${orderId}/notes`);
    expect(received.received.contentType).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(received.received.queryNames).toContain("api_key");
    expect(Object.fromEntries(new URLSearchParams(received.received.rawBody))).toEqual({ note: args["note"] });
    expect(received).toMatchObject({ orderId, note: args["note"], tags: [] });

    // The scripted LLM reads the shop's answer back: "Order 77: note …, saved true. …".
    const answer = detail.turns.find((t) => t.role === "agent" && new Date(t.startedAt) >= new Date(call.at));
    expect(answer?.text, said).toMatch(/\border 77\b/i);
    expect(answer?.text).toMatch(/saved true/);
    // Nothing of the key in the tool as the API shows it after the call either.
    expect((await apiText("GET", `/v1/tools/${tool.id}`)).text).not.toContain(demoShopApiKey);
  });
});
