// Test runs over the API: a run is made queued with the cases as they are, listed newest first per
// version and read with its results; a publish with required cases runs them first and refuses on
// a failure unless an Owner overrides, recording the verdict with the version. The runtime is a
// fetch stub behind RUNTIME_HTTP_URL.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunTestCaseRequest, TestCaseOutcome } from "@speaknode/contracts";
import { createApp } from "../app.ts";
import { agentBody } from "../../test/fixtures.ts";
import { call, expectProblem, makeWorld, readResult, type World } from "../../test/helpers.ts";
import { securitySuite } from "../../test/security-suite.ts";

const app = createApp();
const runtimeUrl = "http://runtime.example.test:8790";
// The queue is left out: these tests execute nothing in the background.
const runtimeEnv = { ...env, RUNTIME_HTTP_URL: runtimeUrl, AGENT_TESTS_QUEUE: { send: async () => undefined } };

let w: World;
let caseId: string;
let runId: string;

const outcome = (status: TestCaseOutcome["status"], message?: string): TestCaseOutcome => ({
  status,
  reason: null,
  turns: [],
  failures: message ? [{ expectation: { type: "reply_contains", text: "bye", caseSensitive: false }, turn: 1, message }] : [],
  judged: [],
  durationMs: 5,
  usage: { prompt: 0, completion: 0 },
});

/** The runtime's test route behind the global fetch, answering per case name. */
function fakeRuntime(answer: (req: RunTestCaseRequest) => Response | "unreachable"): RunTestCaseRequest[] {
  const seen: RunTestCaseRequest[] = [];
  const realFetch = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(runtimeUrl)) return realFetch(input, init);
    if (request.url.endsWith("/v1/greetings/warm")) return Response.json({ results: [] });
    const body = (await request.json()) as RunTestCaseRequest;
    seen.push(body);
    const a = answer(body);
    if (a === "unreachable") throw new TypeError("fetch failed: connection refused");
    return a;
  });
  return seen;
}

afterEach(() => vi.unstubAllGlobals());

async function send(method: string, path: string, token: string, json?: unknown) {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) };
  return readResult(await app.request(path, init, runtimeEnv));
}

const scripted = (name: string, required = false) => ({ name, required, caller: { kind: "scripted", turns: [{ user: "Hello" }] }, variables: { order_id: 1 } });

beforeAll(async () => {
  w = await makeWorld();
  const created = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: scripted("Greets") });
  caseId = String(created.body["id"]);
  const run = await send("POST", `/v1/agents/${w.agentId}/test-runs`, w.owner.token, {});
  expect(run.status, run.text).toBe(202);
  runId = String(run.body["id"]);
});

describe("test runs", () => {
  it("makes a run queued with its cases, shows it first in the list and reads it with its results", async () => {
    const made = await send("POST", `/v1/agents/${w.agentId}/test-runs`, w.member.token, { caseIds: [caseId], repeat: 3, mode: "audio" });
    expect(made.status, made.text).toBe(202);
    expect(made.body).toMatchObject({ agentId: w.agentId, agentVersion: null, mode: "audio", repeat: 3, trigger: "manual", status: "queued", total: 3, passed: 0, passRate: null, cases: [{ caseId, caseName: "Greets", passed: 0, passRate: null }] });
    expect(made.body["draftVersion"]).toEqual(expect.any(Number));
    const id = String(made.body["id"]);

    const list = await send("GET", `/v1/agents/${w.agentId}/test-runs?version=draft&limit=1`, w.member.token);
    expect(list.status, list.text).toBe(200);
    expect(list.body.data?.map((r) => r["id"])).toEqual([id]);
    expect(list.body["nextCursor"]).toEqual(expect.any(String));
    const next = await send("GET", `/v1/agents/${w.agentId}/test-runs?version=draft&limit=1&cursor=${String(list.body["nextCursor"])}`, w.member.token);
    expect(next.body.data?.map((r) => r["id"])).toEqual([runId]);
    const byVersion = await send("GET", `/v1/agents/${w.agentId}/test-runs?version=3`, w.member.token);
    expect(byVersion.body.data).toEqual([]);

    const got = await send("GET", `/v1/agents/${w.agentId}/test-runs/${id}`, w.apiKey);
    expect(got.status, got.text).toBe(200);
    expect(got.body).toMatchObject({ id, status: "queued", results: [] });
  });

  it("answers an API key's run as triggered by the API", async () => {
    const made = await send("POST", `/v1/agents/${w.agentId}/test-runs`, w.apiKey, { caseIds: [caseId] });
    expect(made.body).toMatchObject({ trigger: "api", createdBy: null });
  });

  it("refuses unknown cases, an agent without cases and a version never published", async () => {
    const unknown = await send("POST", `/v1/agents/${w.agentId}/test-runs`, w.owner.token, { caseIds: [caseId, "atc_01jaaaaaaaaaaaaaaaaaaaaaaa"] });
    expectProblem(unknown, 400, "validation_failed");
    expect(unknown.body["errors"]).toEqual([expect.objectContaining({ field: "body.caseIds.1" })]);
    expectProblem(await send("POST", `/v1/agents/${w.agentId}/test-runs`, w.owner.token, { version: 9 }), 404, "not_found");
    const empty = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody() });
    expectProblem(await send("POST", `/v1/agents/${String(empty.body["id"])}/test-runs`, w.owner.token, {}), 400, "validation_failed");
    expectProblem(await send("GET", `/v1/agents/${w.agentId}/test-runs?cursor=nonsense`, w.owner.token), 400, "validation_failed");
  });
});

describe("the publish gate", () => {
  async function agentWith(cases: { name: string; required: boolean }[]): Promise<string> {
    const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody() });
    const agentId = String(created.body["id"]);
    for (const c of cases) expect((await call("POST", `/v1/agents/${agentId}/test-cases`, { token: w.owner.token, json: scripted(c.name, c.required) })).status).toBe(201);
    return agentId;
  }

  it("runs only the required cases against the draft and publishes when they pass, recording the verdict", async () => {
    const agentId = await agentWith([{ name: "Greets", required: true }, { name: "Optional", required: false }]);
    const seen = fakeRuntime(() => Response.json(outcome("passed")));
    const res = await send("POST", `/v1/agents/${agentId}/publish`, w.member.token, {});
    expect(res.status, res.text).toBe(200);
    expect(seen.map((r) => [r.testCase.name, r.mode, r.config.agentVersion])).toEqual([["Greets", "text", null]]);
    const version = await call("GET", `/v1/agents/${agentId}/versions/1`, { token: w.owner.token });
    expect(version.body["testGate"]).toMatchObject({ passed: 1, failed: 0, errors: 0, overridden: false, failures: [] });
    // The history lists each version's verdict without loading its snapshot.
    const history = await call("GET", `/v1/agents/${agentId}/versions`, { token: w.owner.token });
    expect((history.body["data"] as { testGate: unknown }[])[0]?.testGate).toEqual(version.body["testGate"]);
    const runs = await send("GET", `/v1/agents/${agentId}/test-runs`, w.owner.token);
    expect(runs.body.data?.[0]).toMatchObject({ trigger: "publish", status: "passed", id: (version.body["testGate"] as { runId: string }).runId });
  });

  it("refuses with tests_failed and the failures, and publishes an Owner's override recording it", async () => {
    const agentId = await agentWith([{ name: "Says goodbye", required: true }]);
    fakeRuntime(() => Response.json(outcome("failed", "the reply does not contain \"bye\"")));
    const refused = await send("POST", `/v1/agents/${agentId}/publish`, w.owner.token, {});
    expectProblem(refused, 422, "tests_failed");
    expect(refused.body["testGate"]).toMatchObject({ passed: 0, failed: 1, overridden: false, failures: [{ caseName: "Says goodbye", message: 'the reply does not contain "bye"' }] });
    expect((await call("GET", `/v1/agents/${agentId}`, { token: w.owner.token })).body["published"]).toBe(false);

    expectProblem(await send("POST", `/v1/agents/${agentId}/publish`, w.member.token, { overrideTests: true }), 403, "forbidden");
    const forced = await send("POST", `/v1/agents/${agentId}/publish`, w.owner.token, { overrideTests: true });
    expect(forced.status, forced.text).toBe(200);
    const version = await call("GET", `/v1/agents/${agentId}/versions/1`, { token: w.owner.token });
    expect(version.body["testGate"]).toMatchObject({ failed: 1, overridden: true });
  });

  it("refuses with a clear reason when the runtime cannot run the cases", async () => {
    const agentId = await agentWith([{ name: "Greets", required: true }]);
    fakeRuntime(() => "unreachable");
    const refused = await send("POST", `/v1/agents/${agentId}/publish`, w.owner.token, {});
    expectProblem(refused, 422, "tests_failed");
    expect(refused.body["detail"]).toMatch(/could not run: the voice runtime at .* is unreachable/);
    expect(refused.body["testGate"]).toMatchObject({ errors: 1, failures: [{ caseName: "Greets", message: expect.stringContaining("unreachable") }] });
  });

  it("publishes without running anything when no case is required, and records no verdict", async () => {
    const agentId = await agentWith([{ name: "Optional", required: false }]);
    const seen = fakeRuntime(() => Response.json(outcome("failed", "x")));
    expect((await send("POST", `/v1/agents/${agentId}/publish`, w.owner.token, {})).status).toBe(200);
    expect(seen).toEqual([]);
    const version = await call("GET", `/v1/agents/${agentId}/versions/1`, { token: w.owner.token });
    expect(version.body["testGate"]).toBeNull();
  });
});

securitySuite(
  [
    { name: "create test run", method: "POST", path: (x) => `/v1/agents/${x.agentId}/test-runs`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-runs`, json: {}, need: "member" },
    { name: "list test runs", method: "GET", path: (x) => `/v1/agents/${x.agentId}/test-runs`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-runs`, need: "member" },
    { name: "get test run", method: "GET", path: (x) => `/v1/agents/${x.agentId}/test-runs/${runId}`, foreignPath: (x) => `/v1/agents/${x.otherAgentId}/test-runs/${runId}`, need: "member" },
  ],
  () => w,
);
