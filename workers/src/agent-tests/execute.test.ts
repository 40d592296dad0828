// Executing a test run with the runtime faked: each case × repeat runs once with the configuration a
// session would get, outcomes are stored under (run, case, iteration) and counted, a second
// execution repeats nothing, an unreachable runtime ends the run in error with the reason; the
// queue consumer and the cron sweep drive the same code.
import { eq } from "drizzle-orm";
import { jwtVerify } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunTestCaseRequest, TestCaseOutcome } from "@speaknode/contracts";
import { agents, agentTestResults, agentTestRuns, createDatabase } from "@speaknode/db";
import { call, makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { handleAgentTestsBatch } from "./consumer.ts";
import { executeRun } from "./execute.ts";
import { agentTestsDeadLetterQueueName, agentTestsQueueName } from "./protocol.ts";
import { runtimeCaseRunner, RuntimeUnreachable, type RunCase } from "./runtime-client.ts";
import { toTestRunDetail } from "./serialize.ts";
import { insertTestRun, listTestCases } from "./store.ts";
import { sweepTestRuns } from "./sweep.ts";
import type { WorkerEnv } from "../env.ts";
import { fakeEnv } from "../../test/fake-env.ts";

let w: World;
let greetId: string;
let orderId: string;

const outcome = (status: TestCaseOutcome["status"], message?: string): TestCaseOutcome => ({
  status,
  reason: status === "skipped" ? "needs a real LLM" : null,
  turns: [{ role: "user", text: "Hello", toolCalls: [], atMs: 0 }],
  failures: message ? [{ expectation: { type: "call_ended" }, turn: null, message }] : [],
  judged: [],
  durationMs: 12,
  usage: { prompt: 1, completion: 2 },
});

/** A fake runtime answering by case name; keeps the requests. */
function fakeRuntime(answer: (req: RunTestCaseRequest) => TestCaseOutcome): { runCase: RunCase; seen: RunTestCaseRequest[] } {
  const seen: RunTestCaseRequest[] = [];
  return { seen, runCase: async (req) => (seen.push(req), answer(req)) };
}

async function newRun(o: { repeat?: number; caseIds?: string[] } = {}) {
  return withDb(async (db) => {
    const [agent] = await db.select().from(agents).where(eq(agents.id, w.agentId));
    if (!agent) throw new Error("no agent");
    const cases = (await listTestCases(db, w.agentId)).filter((c) => !o.caseIds || o.caseIds.includes(c.id));
    return insertTestRun(db, { agent, cases, version: "draft", mode: "text", repeat: o.repeat ?? 1, trigger: "api", createdBy: null });
  });
}

const execute = (runId: string, runCase: RunCase) => withDb((db) => executeRun({ db, secretsKey: (testEnv as unknown as { SECRETS_KEY: string }).SECRETS_KEY, runCase }, runId));

beforeAll(async () => {
  w = await makeWorld();
  const greet = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: { name: "Greets", caller: { kind: "scripted", turns: [{ user: "Hello" }] }, variables: { order_id: 42 } } });
  const order = await call("POST", `/v1/agents/${w.agentId}/test-cases`, { token: w.owner.token, json: { name: "Order by phone", channel: "phone", caller: { kind: "scripted", turns: [{ user: "Where is my order?" }] }, variables: { order_id: 7, customer_name: "Ada" } } });
  expect(greet.status, greet.text).toBe(201);
  expect(order.status, order.text).toBe(201);
  greetId = String(greet.body["id"]);
  orderId = String(order.body["id"]);
});

afterEach(() => vi.unstubAllGlobals());

describe("executing a test run", () => {
  it("runs each case × repeat once with a session's configuration, stores the outcomes and counts them", async () => {
    const run = await newRun({ repeat: 2 });
    const fake = fakeRuntime((req) => (req.testCase.name === "Greets" ? outcome("passed") : outcome("failed", "the call did not end")));
    const result = await execute(run.id, fake.runCase);
    expect(result.kind).toBe("finished");
    expect(fake.seen.map((r) => [r.testCase.name, r.iteration]).sort()).toEqual([["Greets", 1], ["Greets", 2], ["Order by phone", 1], ["Order by phone", 2]]);
    const greet = fake.seen.find((r) => r.testCase.name === "Greets");
    const order = fake.seen.find((r) => r.testCase.name === "Order by phone");
    // Built like a session's: channel test, variables checked with the agent's defaults, prompt rendered.
    expect(greet?.config).toMatchObject({ agentId: w.agentId, spaceId: w.spaceId, channel: "test", status: "dispatching", agentVersion: null, language: "en-US", variables: { order_id: 42, customer_name: "there" }, phone: null });
    expect(greet?.config.agent.systemPrompt).toBe("Help there with order 42.");
    expect(greet?.config.sessionId).toMatch(/^ses/);
    expect(order?.config.agent.systemPrompt).toBe("Help Ada with order 7.");
    expect(order?.config.phone).toMatchObject({ direction: "inbound", from: null, recordingEnabled: false });

    const detail = await withDb(async (db) => {
      const [row] = await db.select().from(agentTestRuns).where(eq(agentTestRuns.id, run.id));
      if (!row) throw new Error("run gone");
      return toTestRunDetail(db, row);
    });
    expect(detail).toMatchObject({ status: "failed", total: 4, passed: 2, failed: 2, skipped: 0, errors: 0, passRate: 0.5, trigger: "api", reason: null });
    expect(detail.startedAt).not.toBeNull();
    expect(detail.finishedAt).not.toBeNull();
    expect(detail.cases).toEqual([
      { caseId: greetId, caseName: "Greets", passed: 2, failed: 0, skipped: 0, errors: 0, passRate: 1 },
      { caseId: orderId, caseName: "Order by phone", passed: 0, failed: 2, skipped: 0, errors: 0, passRate: 0 },
    ]);
    expect(detail.results.map((r) => [r.caseName, r.iteration, r.status])).toEqual([
      ["Greets", 1, "passed"],
      ["Greets", 2, "passed"],
      ["Order by phone", 1, "failed"],
      ["Order by phone", 2, "failed"],
    ]);
    expect(detail.results[2]?.failures[0]?.message).toBe("the call did not end");
  });

  it("repeats nothing already stored: a finished run is left alone, an interrupted one resumes", async () => {
    const run = await newRun({ repeat: 2 });
    await withDb((db) => db.insert(agentTestResults).values({ runId: run.id, caseId: greetId, iteration: 1, status: "passed", outcome: outcome("passed") }));
    const first = fakeRuntime(() => outcome("skipped"));
    await execute(run.id, first.runCase);
    expect(first.seen.map((r) => [r.testCase.name, r.iteration]).sort()).toEqual([["Greets", 2], ["Order by phone", 1], ["Order by phone", 2]]);
    const again = fakeRuntime(() => outcome("failed", "x"));
    const result = await execute(run.id, again.runCase);
    expect(again.seen).toEqual([]);
    // Skipped cases fail nothing.
    expect(result).toMatchObject({ kind: "finished", run: { status: "passed", passed: 1, skipped: 3, failed: 0 } });
  });

  it("ends the run in error with the reason when the runtime is unreachable", async () => {
    const run = await newRun();
    const result = await execute(run.id, async () => {
      throw new RuntimeUnreachable("the voice runtime at http://127.0.0.1:9 is unreachable (connection refused); is it running?");
    });
    expect(result).toMatchObject({ kind: "finished", run: { status: "error", reason: expect.stringContaining("unreachable") } });
  });

  it("records a case whose variables no longer fit the agent as an error result without calling the runtime", async () => {
    const run = await newRun({ caseIds: [greetId] });
    await withDb((db) => db.update(agentTestRuns).set({ cases: run.cases.map((c) => ({ ...c, variables: {} })) }).where(eq(agentTestRuns.id, run.id)));
    const fake = fakeRuntime(() => outcome("passed"));
    const result = await execute(run.id, fake.runCase);
    expect(fake.seen).toEqual([]);
    expect(result).toMatchObject({ kind: "finished", run: { status: "failed", errors: 1 } });
    const [stored] = await withDb((db) => db.select().from(agentTestResults).where(eq(agentTestResults.runId, run.id)));
    expect(stored?.outcome).toMatchObject({ status: "error", reason: expect.stringContaining("variables.order_id is required") });
  });
});

describe("the runtime client", () => {
  const httpUrl = "http://runtime.example.test:8790";
  const request = (): RunTestCaseRequest =>
    ({ config: { spaceId: w.spaceId, agentId: w.agentId }, transferConfigs: [], testCase: { id: "atc_x" }, mode: "text", iteration: 1 }) as unknown as RunTestCaseRequest;

  it("posts the case with an agent-tests job token for the agent and reads the outcome", async () => {
    let seen: Request | undefined;
    const runCase = runtimeCaseRunner({ httpUrl, tokenSecret: testEnv.RUNTIME_TOKEN_SECRET, fetchImpl: async (input, init) => ((seen = new Request(input, init)), Response.json(outcome("passed"))) });
    expect(await runCase(request())).toMatchObject({ status: "passed" });
    expect(seen?.url).toBe(`${httpUrl}/v1/agent-tests/run`);
    const token = seen?.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    const { payload } = await jwtVerify(token, new TextEncoder().encode(testEnv.RUNTIME_TOKEN_SECRET), { issuer: "speaknode", audience: "speaknode:agent-tests" });
    expect(payload).toMatchObject({ scope: "agent-tests", sub: w.spaceId, agt: w.agentId });
  });

  it("tells an unreachable runtime from a case the runtime refused", async () => {
    const refused = runtimeCaseRunner({ httpUrl, tokenSecret: testEnv.RUNTIME_TOKEN_SECRET, fetchImpl: async () => Response.json({ detail: "no provider for llm openai" }, { status: 422 }) });
    expect(await refused(request())).toMatchObject({ status: "error", reason: "the runtime refused the case: no provider for llm openai" });
    const down = runtimeCaseRunner({ httpUrl, tokenSecret: testEnv.RUNTIME_TOKEN_SECRET, fetchImpl: async () => { throw new TypeError("fetch failed"); } });
    await expect(down(request())).rejects.toBeInstanceOf(RuntimeUnreachable);
    const busy = runtimeCaseRunner({ httpUrl, tokenSecret: testEnv.RUNTIME_TOKEN_SECRET, fetchImpl: async () => new Response("", { status: 503 }) });
    await expect(busy(request())).rejects.toThrow(/unavailable/);
  });
});

describe("the queue consumer and the sweep", () => {
  function batch(queue: string, runId: string) {
    const state = { acked: false, retried: false };
    const message = { id: "m1", timestamp: new Date(), attempts: 1, body: { runId }, ack: () => void (state.acked = true), retry: () => void (state.retried = true) };
    return { state, batch: { queue, messages: [message], ackAll: () => undefined, retryAll: () => undefined } as unknown as MessageBatch<unknown> };
  }
  const ctx = () => {
    const waits: Promise<unknown>[] = [];
    return { waits, ctx: { waitUntil: (p: Promise<unknown>) => void waits.push(p), passThroughOnException: () => undefined } as unknown as ExecutionContext };
  };
  const database = () => createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 1 });

  it("executes a queued run from its message and acks it", async () => {
    const run = await newRun({ caseIds: [greetId] });
    const fake = fakeRuntime(() => outcome("passed"));
    const b = batch(agentTestsQueueName, run.id);
    const c = ctx();
    await handleAgentTestsBatch(b.batch, env(), c.ctx, { database, runCase: fake.runCase });
    await Promise.all(c.waits);
    expect(b.state).toEqual({ acked: true, retried: false });
    const [row] = await withDb((db) => db.select().from(agentTestRuns).where(eq(agentTestRuns.id, run.id)));
    expect(row).toMatchObject({ status: "passed", passed: 1 });
  });

  it("ends a dead-lettered run in error", async () => {
    const run = await newRun({ caseIds: [greetId] });
    const b = batch(agentTestsDeadLetterQueueName, run.id);
    const c = ctx();
    await handleAgentTestsBatch(b.batch, env(), c.ctx, { database, runCase: fakeRuntime(() => outcome("passed")).runCase });
    await Promise.all(c.waits);
    const [row] = await withDb((db) => db.select().from(agentTestRuns).where(eq(agentTestRuns.id, run.id)));
    expect(row).toMatchObject({ status: "error", reason: expect.stringContaining("failed every retry") });
  });

  it("sends again a run left queued for more than ten minutes, and not a fresh one", async () => {
    const stuck = await newRun({ caseIds: [greetId] });
    const fresh = await newRun({ caseIds: [greetId] });
    await withDb((db) => db.update(agentTestRuns).set({ createdAt: new Date(Date.now() - 11 * 60_000) }).where(eq(agentTestRuns.id, stuck.id)));
    const sent: unknown[] = [];
    const result = await withDb((db) => sweepTestRuns(db, fakeEnv({ AGENT_TESTS_QUEUE: { send: async (body: unknown) => void sent.push(body) } }), new Date()));
    expect(sent).toContainEqual({ runId: stuck.id });
    expect(sent).not.toContainEqual({ runId: fresh.id });
    expect(result.requeued).toBeGreaterThanOrEqual(1);
  });
});

function env(): WorkerEnv {
  return fakeEnv({ ...testEnv, AGENT_TESTS_QUEUE: { send: async () => undefined } });
}
