// Saving a real session as a test case: the caller's lines become a scripted caller, each webhook
// tool call that turn's expectation with its arguments and an exact mock of its answer (or error),
// a transfer that turn's expectation and an ended call the conversation's.
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessions, sessionToolCalls, sessionTurns } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { securitySuite } from "../../test/security-suite.ts";

let w: World;
let sessionId: string;
let silentId: string;
let foreignId: string;

const at = (s: number) => new Date(Date.UTC(2026, 0, 5, 9, 30, s));

async function insertSession(o: { turns: { role: "user" | "agent"; text: string; s: number }[]; calls: { name: string; request: Record<string, unknown>; response?: unknown; status?: "ok" | "error"; error?: string; s: number }[]; foreign?: boolean }): Promise<string> {
  const id = newId("session");
  await withDb(async (db) => {
    await db.insert(sessions).values({ id, spaceId: o.foreign ? w.otherSpaceId : w.spaceId, agentId: o.foreign ? w.otherAgentId : w.agentId, status: "completed", channel: "phone", direction: "inbound", language: "en-US", mediaDriver: "twilio", variables: { order_id: 42, customer_name: "Ada", unknown_var: "x" }, createdAt: at(0), startedAt: at(0), endedAt: at(59) });
    if (o.turns.length > 0) {
      await db.insert(sessionTurns).values(o.turns.map((t, i) => ({ sessionId: id, eventId: `t${i}`, turnId: `turn${i}`, role: t.role, text: t.text, startedAt: at(t.s), endedAt: at(t.s + 1) })));
    }
    if (o.calls.length > 0) {
      await db.insert(sessionToolCalls).values(o.calls.map((c, i) => ({ sessionId: id, eventId: `c${i}`, toolCallId: `call${i}`, name: c.name, request: c.request, response: c.response ?? null, status: c.status ?? "ok", error: c.error ?? null, latencyMs: 100, startedAt: at(c.s) })));
    }
  });
  return id;
}

beforeAll(async () => {
  w = await makeWorld();
  const patched = await call("PATCH", `/v1/agents/${w.agentId}`, {
    token: w.owner.token,
    json: { tools: [{ type: "webhook", toolId: w.toolId }, { type: "system", name: "end_call" }] },
  });
  expect(patched.status, patched.text).toBe(200);
  sessionId = await insertSession({
    turns: [
      { role: "agent", text: "Hi Ada!", s: 1 },
      { role: "user", text: "Where is order 42?", s: 5 },
      { role: "agent", text: "It has shipped.", s: 9 },
      { role: "user", text: "And order 7?", s: 15 },
      { role: "agent", text: "I could not find it. Goodbye.", s: 20 },
    ],
    calls: [
      { name: w.toolCode, request: { orderId: 42 }, response: { status: "shipped" }, s: 7 },
      { name: w.toolCode, request: { orderId: 7 }, status: "error", error: "HTTP 404", s: 17 },
      { name: "removed_tool", request: {}, s: 18 },
      { name: "end_call", request: {}, s: 21 },
    ],
  });
  silentId = await insertSession({ turns: [{ role: "agent", text: "Hello?", s: 1 }], calls: [] });
  foreignId = await insertSession({ turns: [{ role: "user", text: "Hi", s: 1 }], calls: [], foreign: true });
});

describe("saving a session as a test case", () => {
  it("turns the caller's lines, tool calls and end into a scripted case with exact mocks", async () => {
    const res = await call("POST", `/v1/sessions/${sessionId}/test-case`, { token: w.member.token, json: {} });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      agentId: w.agentId,
      name: "From session 2026-01-05 09:30",
      required: false,
      sourceSessionId: sessionId,
      channel: "phone",
      language: "en-US",
      // Only the agent's declared variables.
      variables: { order_id: 42, customer_name: "Ada" },
      caller: {
        kind: "scripted",
        turns: [
          { user: "Where is order 42?", expect: [{ type: "tool_called", tool: w.toolCode, arguments: { orderId: 42 } }] },
          { user: "And order 7?", expect: [{ type: "tool_called", tool: w.toolCode, arguments: { orderId: 7 } }] },
        ],
      },
      toolMocks: [
        { tool: w.toolCode, match: "exact", arguments: { orderId: 42 }, output: { status: "shipped" } },
        { tool: w.toolCode, match: "exact", arguments: { orderId: 7 }, error: "HTTP 404" },
      ],
      expect: [{ type: "call_ended" }],
    });
    const listed = await call("GET", `/v1/agents/${w.agentId}/test-cases`, { token: w.member.token });
    expect(listed.body.data?.map((c) => c["id"])).toContain(res.body["id"]);
  });

  it("takes the name and required flag given", async () => {
    const res = await call("POST", `/v1/sessions/${sessionId}/test-case`, { token: w.owner.token, json: { name: "Order 7 is missing", required: true } });
    expect(res.body).toMatchObject({ name: "Order 7 is missing", required: true });
  });

  it("refuses a session in which the caller said nothing", async () => {
    expectProblem(await call("POST", `/v1/sessions/${silentId}/test-case`, { token: w.owner.token, json: {} }), 422, "unprocessable_content");
  });
});

securitySuite(
  [{ name: "save session as test", method: "POST", path: () => `/v1/sessions/${sessionId}/test-case`, foreignPath: () => `/v1/sessions/${foreignId}/test-case`, json: {}, need: "member" }],
  () => w,
);
