// Test cases of an agent: members create, read, change and delete them; each is checked against
// the agent it tests (mocks name its webhook tools, language and variables fit it), and bad
// expectations are refused with the field that is wrong.
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld, type World } from "../../test/helpers.ts";
import { securitySuite } from "../../test/security-suite.ts";

let w: World;
let caseId: string;

export function caseBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Greets and looks up an order",
    caller: { kind: "scripted", turns: [{ user: "Hello", expect: [{ type: "reply_contains", text: "hi" }] }, { user: "Where is order 42?" }] },
    variables: { order_id: 42 },
    ...overrides,
  };
}

beforeAll(async () => {
  w = await makeWorld();
  const patched = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { tools: [{ type: "webhook", toolId: w.toolId }, { type: "system", name: "end_call" }] } });
  expect(patched.status, patched.text).toBe(200);
  const created = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: caseBody() });
  expect(created.status, created.text).toBe(201);
  caseId = String(created.body["id"]);
});

describe("test cases", () => {
  it("creates a case with its defaults filled in, and a member lists, reads, changes and deletes it", async () => {
    const mock = { tool: w.toolCode, match: "subset", arguments: { orderId: 42 }, output: { status: "shipped" } };
    const created = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.member.token, json: caseBody({ name: "Order lookup", toolMocks: [mock], required: true }) });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ agentId: w.agentId, name: "Order lookup", required: true, channel: "web", description: "", sourceSessionId: null, toolMocks: [mock], expect: [] });
    expect(created.body["id"]).toMatch(/^atc_/);
    const id = String(created.body["id"]);

    const list = await call("GET", `/v1/agents/${w.agentId}/test-cases`, { token: w.member.token });
    expect(list.status).toBe(200);
    expect(list.body.data?.map((c) => c["id"])).toContain(id);

    const patched = await call("PATCH", `/v1/agents/${w.agentId}/test-cases/${id}`, { token: w.member.token, json: { required: false, expect: [{ type: "call_ended" }] } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ name: "Order lookup", required: false, expect: [{ type: "call_ended" }], toolMocks: [mock] });

    const got = await call("GET", `/v1/agents/${w.agentId}/test-cases/${id}`, { token: w.apiKey });
    expect(got.body).toMatchObject({ id, required: false });

    expect((await call("DELETE", `/v1/agents/${w.agentId}/test-cases/${id}`, { token: w.member.token })).status).toBe(204);
    expectProblem(await call("GET", `/v1/agents/${w.agentId}/test-cases/${id}`, { token: w.member.token }), 404, "not_found");
  });

  it("refuses a mock of a tool the agent does not have, naming the field", async () => {
    const res = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: caseBody({ toolMocks: [{ tool: "cancel_order", output: "ok" }] }) });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([expect.objectContaining({ field: "body.toolMocks.0.tool", message: expect.stringContaining('no webhook tool "cancel_order"') })]);
  });

  it("refuses a mock without output or error, and a mock of a system tool", async () => {
    const noAnswer = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: caseBody({ toolMocks: [{ tool: w.toolCode }] }) });
    expectProblem(noAnswer, 400, "validation_failed");
    expect(noAnswer.body["errors"]).toEqual([expect.objectContaining({ field: "body.toolMocks.0.output" })]);
    const system = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: caseBody({ toolMocks: [{ tool: "end_call", output: null, error: undefined }] }) });
    expectProblem(system, 400, "validation_failed");
  });

  it("refuses a regular expression that does not compile", async () => {
    const res = await call("POST", `/v1/agents/${w.agentId}/test-cases`, {
      token: w.owner.token,
      json: caseBody({ caller: { kind: "scripted", turns: [{ user: "Hi", expect: [{ type: "reply_matches", pattern: "order (\\d+" }] }] } }),
    });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([expect.objectContaining({ field: "body.caller.turns.0.expect.0.pattern", message: expect.stringContaining("not a valid regular expression") })]);
  });

  it("refuses variables that do not fit the agent's schema and a language it does not speak", async () => {
    const res = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: caseBody({ variables: { order_id: "forty-two", shoe_size: 9 }, language: "de-DE" }) });
    expectProblem(res, 400, "validation_failed");
    const fields = (res.body["errors"] as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(["body.language", "body.variables.order_id", "body.variables.shoe_size"]);
  });

  it("checks a change like a new case", async () => {
    const res = await call("PATCH", `/v1/agents/${w.agentId}/test-cases/${caseId}`, { token: w.owner.token, json: { toolMocks: [{ tool: "nope", output: 1 }] } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([expect.objectContaining({ field: "body.toolMocks.0.tool" })]);
  });

  it("does not show another agent's case under this agent", async () => {
    const other = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: { name: "Other", systemPrompt: "x", llm: { provider: "scripted", model: "demo" }, stt: { provider: "pocketsphinx", model: "en-us" }, defaultLanguage: "en-US", locales: [{ language: "en-US", firstMessage: "Hi", tts: { provider: "flite", model: "flite", voice: "rms" } }] } });
    expect(other.status, other.text).toBe(201);
    expectProblem(await call("GET", `/v1/agents/${String(other.body["id"])}/test-cases/${caseId}`, { token: w.owner.token }), 404, "not_found");
  });
});

securitySuite(
  [
    { name: "list test cases", method: "GET", path: (x) => `/v1/agents/${x.agentId}/test-cases`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-cases`, need: "member" },
    { name: "create test case", method: "POST", path: (x) => `/v1/agents/${x.agentId}/test-cases`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-cases`, json: caseBody(), need: "member" },
    { name: "get test case", method: "GET", path: (x) => `/v1/agents/${x.agentId}/test-cases/${caseId}`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-cases/${caseId}`, need: "member" },
    { name: "update test case", method: "PATCH", path: (x) => `/v1/agents/${x.agentId}/test-cases/${caseId}`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-cases/${caseId}`, json: { required: true }, need: "member" },
    { name: "delete test case", method: "DELETE", path: (x) => `/v1/agents/${x.agentId}/test-cases/${caseId}`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-cases/${caseId}`, need: "member" },
  ],
  () => w,
);
