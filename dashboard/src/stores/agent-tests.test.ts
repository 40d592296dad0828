// The Tests tab's stores without a DOM, against a fake of the test-case and test-run routes as the
// contracts describe them: cases created, edited, marked required and deleted, the API's field
// errors shown at their controls; a run started and followed until it finishes; each case's last
// result; the diff against the previous finished run of the same version; saving a session as a
// test; and the publish gate's refusal with an Owner's override.
import { describe, expect, it, vi } from "vitest";
import type { TestCase, TestRun, TestRunDetail } from "../../../packages/contracts/src/agent-tests.ts";
import { AgentConfig, type Agent } from "../../../packages/contracts/src/agents.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, noContent, problem, type Recorded } from "../test-support.ts";
import { createAgentEditorStore } from "./agent-editor.ts";
import { emptyCaseForm } from "./agent-tests-form.ts";
import { caseVerdict, createTestRunsStore, diffRuns, lastVerdicts, previousRun } from "./agent-tests-runs.ts";
import { createAgentTestsStore, openedFromSearch, saveSessionAsTest, testsTabPath } from "./agent-tests.ts";

const agentId = ids.agent();
const now = "2025-03-01T10:00:00.000Z";
const body = (r: Recorded | undefined) => JSON.parse(r?.body ?? "null") as Record<string, unknown>;
const apiOf = (handler: (r: Recorded) => Response | Promise<Response>) => {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
};

function testCase(name: string, over: Partial<TestCase> = {}): TestCase {
  return { id: newId("agentTestCase"), agentId, name, description: "", required: false, caller: { kind: "scripted", turns: [{ user: "Hello", expect: [] }] }, variables: {}, channel: "web", toolMocks: [], expect: [], sourceSessionId: null, createdAt: now, updatedAt: now, ...over };
}

type Counts = { passed?: number; failed?: number; skipped?: number; errors?: number };
function run(over: Partial<TestRun> & { at: string }, cases: [TestCase, Counts][]): TestRun {
  const summary = cases.map(([c, n]) => {
    const s = { passed: n.passed ?? 0, failed: n.failed ?? 0, skipped: n.skipped ?? 0, errors: n.errors ?? 0 };
    const counted = s.passed + s.failed + s.errors;
    return { caseId: c.id, caseName: c.name, ...s, passRate: counted ? s.passed / counted : null };
  });
  const sum = (k: keyof Counts) => summary.reduce((a, c) => a + c[k], 0);
  const { at, ...rest } = over;
  return { id: newId("agentTestRun"), agentId, agentVersion: null, draftVersion: 3, mode: "text", repeat: 1, trigger: "manual", status: "passed", reason: null, total: summary.length, passed: sum("passed"), failed: sum("failed"), skipped: sum("skipped"), errors: sum("errors"), passRate: null, cases: summary, createdBy: null, createdAt: at, startedAt: at, finishedAt: at, ...rest };
}

describe("the test cases store", () => {
  it("creates a case from the form, then edits it with a PATCH and shows it in the list", async () => {
    const list: TestCase[] = [];
    const { api, fetch } = apiOf((r) => {
      if (r.method === "GET") return json({ data: list });
      const b = body(r);
      const c = testCase(String(b["name"]), b as Partial<TestCase>);
      if (r.method === "POST") return json(c, 201);
      return json({ ...c, id: r.url.split("/").at(-1) });
    });
    const tests = createAgentTestsStore({ api, agentId });
    await tests.load();
    tests.openNew();
    tests.edit((f) => {
      f.name = "Greeting";
      f.turns[0] = { user: "Hi there", expect: [] };
    });
    const created = await tests.save();
    expect(fetch.requests.at(-1)).toMatchObject({ method: "POST", url: `/v1/agents/${agentId}/test-cases` });
    expect(body(fetch.requests.at(-1))).toMatchObject({ name: "Greeting", caller: { kind: "scripted", turns: [{ user: "Hi there", expect: [] }] }, channel: "web" });
    expect(tests.openId.value).toBe(created?.id);
    tests.edit((f) => void (f.name = "Greeting, renamed"));
    await tests.save();
    expect(fetch.requests.at(-1)).toMatchObject({ method: "PATCH", url: `/v1/agents/${agentId}/test-cases/${created?.id}` });
    expect(tests.cases.value?.map((c) => c.name)).toEqual(["Greeting, renamed"]);
  });

  it("sends nothing while the form is invalid, and shows the API's field errors at the body's paths until the field changes", async () => {
    const { api, fetch } = apiOf(() => problem("validation_failed", 400, "invalid body", [{ field: "body.toolMocks.0.tool", message: "the agent has no tool check_orders" }]));
    const tests = createAgentTestsStore({ api, agentId });
    tests.openNew();
    expect(await tests.save()).toBeNull();
    expect(fetch.requests).toHaveLength(0);
    expect(tests.fields.value["name"]).toBeDefined();
    tests.edit((f) => {
      f.name = "Mocked";
      f.turns[0] = { user: "Where is my order?", expect: [] };
      f.toolMocks = [{ tool: "check_orders", match: "any", arguments: "", answer: "output", output: '{"status":"shipped"}', error: "" }];
    });
    expect(await tests.save()).toBeNull();
    expect(tests.fields.value).toEqual({ "toolMocks.0.tool": "the agent has no tool check_orders" });
    tests.edit((f) => void (f.name = "Mocked again"));
    expect(tests.fields.value).toEqual({ "toolMocks.0.tool": "the agent has no tool check_orders" });
    tests.edit((f) => void (f.toolMocks[0] = { ...f.toolMocks[0]!, tool: "check_order" }));
    expect(tests.fields.value).toEqual({});
  });

  it("marks a case required with a PATCH of that flag alone, and deletes a case", async () => {
    const c = testCase("Goodbye");
    const { api, fetch } = apiOf((r) => (r.method === "GET" ? json({ data: [c] }) : r.method === "DELETE" ? noContent() : json({ ...c, required: true })));
    const tests = createAgentTestsStore({ api, agentId });
    await tests.load();
    await tests.open(c.id);
    await tests.setRequired(c.id, true);
    expect(body(fetch.requests.at(-1))).toEqual({ required: true });
    expect(tests.cases.value?.[0]?.required).toBe(true);
    expect(tests.form.value?.required).toBe(true);
    expect(await tests.remove(c.id)).toBe(true);
    expect(tests.cases.value).toEqual([]);
    expect(tests.form.value).toBeNull();
  });

  it("opens a case the list does not hold yet (just saved from a session) by fetching it", async () => {
    const c = testCase("From session", { sourceSessionId: newId("session") });
    const { api, fetch } = apiOf((r) => (r.url.endsWith(c.id) ? json(c) : json({ data: [] })));
    const tests = createAgentTestsStore({ api, agentId });
    await tests.load();
    await tests.open(c.id);
    expect(fetch.requests.at(-1)?.url).toBe(`/v1/agents/${agentId}/test-cases/${c.id}`);
    expect(tests.form.value?.name).toBe("From session");
  });
});

describe("saving a session as a test", () => {
  it("posts to the session's test-case route and links to the agent's Tests tab with the case open", async () => {
    const sessionId = newId("session");
    const c = testCase("From session 1 Mar", { sourceSessionId: sessionId });
    const { api, fetch } = apiOf(() => json(c, 201));
    expect((await saveSessionAsTest(api, sessionId)).id).toBe(c.id);
    expect(fetch.requests[0]).toMatchObject({ method: "POST", url: `/v1/sessions/${sessionId}/test-case`, body: "{}" });
    const path = testsTabPath("spc_1", agentId, c.id);
    expect(path).toBe(`/app/spaces/spc_1/agents/${agentId}?tab=tests&case=${c.id}`);
    expect(openedFromSearch(new URL(path, "http://x").search)).toEqual({ tab: "tests", caseId: c.id });
  });
});

describe("test runs", () => {
  const a = testCase("Greeting");
  const b = testCase("Order lookup");

  it("starts a run of the chosen cases and follows it until it finishes, then lists it", async () => {
    const queued = run({ at: now, status: "queued", passRate: null }, [[a, {}]]);
    const states: TestRunDetail[] = [
      { ...queued, results: [] },
      { ...queued, status: "running", results: [] },
      { ...run({ at: now, status: "failed" }, [[a, { failed: 1 }]]), id: queued.id, results: [{ caseId: a.id, caseName: a.name, iteration: 1, status: "failed", reason: null, turns: [], failures: [{ expectation: { type: "call_ended" }, turn: null, message: "the call did not end" }], judged: [], durationMs: 40, usage: { prompt: 0, completion: 0 } }] },
    ];
    const { api, fetch } = apiOf((r) => (r.method === "POST" ? json(queued, 202) : json(states.shift())));
    const slept: number[] = [];
    const runs = createTestRunsStore({ api, agentId, pollMs: 700, sleep: async (ms) => void slept.push(ms) });
    expect((await runs.start({ caseIds: [a.id], version: "draft", mode: "text", repeat: 2 }))?.status).toBe("queued");
    expect(body(fetch.requests[0])).toEqual({ caseIds: [a.id], version: "draft", mode: "text", repeat: 2 });
    await vi.waitFor(() => expect(runs.current.value?.status).toBe("failed"));
    expect(fetch.requests.slice(1).map((r) => r.url)).toEqual(Array(3).fill(`/v1/agents/${agentId}/test-runs/${queued.id}`));
    expect(slept).toEqual([700, 700]);
    expect(runs.current.value?.status).toBe("failed");
    expect(runs.current.value?.results[0]?.failures[0]?.message).toBe("the call did not end");
    expect(runs.runs.value?.map((r) => r.status)).toEqual(["failed"]);
    expect(runs.last.value.get(a.id)).toEqual({ verdict: "failed", runId: queued.id });
  });

  it("refuses a repeat out of range before sending", async () => {
    const { api, fetch } = apiOf(() => json({}));
    const runs = createTestRunsStore({ api, agentId });
    expect(await runs.start({ repeat: 50 })).toBeNull();
    expect(fetch.requests).toHaveLength(0);
    expect(runs.error.value).toMatch(/repeat/);
  });

  it("stops following a run when another is opened", async () => {
    const first = run({ at: now, status: "running" }, [[a, {}]]);
    const second = run({ at: now, status: "passed" }, [[a, { passed: 1 }]]);
    let release = () => {};
    const { api } = apiOf((r) => json({ ...(r.url.endsWith(first.id) ? first : second), results: [] }));
    const runs = createTestRunsStore({ api, agentId, sleep: () => new Promise((r) => (release = r)) });
    const following = runs.watch(first.id);
    await new Promise((r) => setTimeout(r, 0));
    await runs.watch(second.id);
    release();
    expect(await following).toBeNull();
    expect(runs.current.value?.id).toBe(second.id);
  });

  it("diffs a run against the previous finished run of the same version: changed, added and removed cases", () => {
    const c = testCase("Goodbye");
    const older = run({ at: "2025-03-01T09:00:00.000Z" }, [[a, { passed: 1 }], [b, { passed: 1 }], [c, { passed: 1 }]]);
    const otherVersion = run({ at: "2025-03-01T09:30:00.000Z", agentVersion: 2 }, [[a, { failed: 1 }]]);
    const unfinished = run({ at: "2025-03-01T09:40:00.000Z", status: "running" }, [[a, {}]]);
    const newer = run({ at: now, status: "failed" }, [[a, { passed: 1 }], [b, { failed: 2 }], [testCase("New case"), { skipped: 1 }]]);
    const list = [newer, unfinished, otherVersion, older];
    expect(previousRun(newer, list)?.id).toBe(older.id);
    expect(previousRun(otherVersion, list)).toBeNull();
    expect(diffRuns(newer, older).map((x) => [x.caseName, x.before, x.after])).toEqual([
      ["Order lookup", "passed", "failed"],
      ["New case", null, "skipped"],
      ["Goodbye", "passed", null],
    ]);
  });

  it("sums a case's repeats into one verdict, flaky when some passed and some failed, and each case's last result comes from the newest finished run", () => {
    const one = (n: Counts) => run({ at: now }, [[a, n]]).cases[0]!;
    expect([one({ passed: 3 }), one({ passed: 2, failed: 1 }), one({ failed: 3 }), one({ errors: 1 }), one({ skipped: 2 })].map(caseVerdict)).toEqual(["passed", "flaky", "failed", "error", "skipped"]);
    const newest = run({ at: now, status: "running" }, [[a, {}]]);
    const finished = run({ at: "2025-03-01T09:00:00.000Z" }, [[a, { passed: 1 }], [b, { failed: 1 }]]);
    const oldest = run({ at: "2025-03-01T08:00:00.000Z" }, [[a, { failed: 1 }]]);
    const last = lastVerdicts([newest, finished, oldest]);
    expect(last.get(a.id)?.verdict).toBe("passed");
    expect(last.get(b.id)?.verdict).toBe("failed");
  });
});

describe("the publish gate", () => {
  const config = AgentConfig.parse({
    name: "Support",
    systemPrompt: "Be brief.",
    llm: { provider: "scripted", model: "echo" },
    stt: { provider: "pocketsphinx", model: "en-us" },
    defaultLanguage: "en",
    locales: [{ language: "en", firstMessage: "Hi!", tts: { provider: "flite", model: "kal", voice: "kal" } }],
  });
  const agent: Agent = { ...config, id: agentId, spaceId: ids.space(), version: 4, published: false, publishedVersion: null, createdAt: now, updatedAt: now };
  const gate = { runId: newId("agentTestRun"), passed: 1, failed: 1, skipped: 0, errors: 0, overridden: false, failures: [{ caseId: newId("agentTestCase"), caseName: "Order lookup", message: "turn 1: expected check_order to be called" }] };

  it("keeps a tests_failed refusal's gate, and an Owner's override sends overrideTests", async () => {
    const refusal = json({ type: "https://speaknode.dev/problems/tests_failed", title: "Required tests failed", status: 422, detail: "1 required test case failed", code: "tests_failed", requestId: "req_1", testGate: gate }, 422, "application/problem+json");
    const { api, fetch } = apiOf((r) => {
      if (r.url.endsWith("/publish") && !body(r)["overrideTests"]) return refusal;
      if (r.url.endsWith("/publish")) return json({ ...agent, published: true, publishedVersion: 1 });
      if (r.url.endsWith("/versions")) return json({ data: [] });
      return json({ ok: true, problems: [], unpublishedChanges: true, checkedAt: now });
    });
    const editor = createAgentEditorStore({ api, agentId, loadCatalog: async () => [] });
    editor.agent.value = agent;
    expect(await editor.publish("v1")).toBe(false);
    expect(editor.testGate.value).toEqual(gate);
    expect(editor.message.value).toMatch(/required test cases failed/);
    expect(await editor.publish("override", { overrideTests: true })).toBe(true);
    const sent = fetch.requests.filter((r) => r.url.endsWith("/publish")).map(body);
    expect(sent).toEqual([{ note: "v1" }, { note: "override", overrideTests: true }]);
    expect(editor.testGate.value).toBeNull();
  });
});
