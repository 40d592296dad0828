// Agent regression tests end to end, as a user runs them with the API and the CLI: on a local stack
// with its voice runtime, the demo agent's seeded cases (greeting, order lookup with a mocked
// check_order, goodbye) pass offline in text mode through POST /v1/agents/{id}/test-runs (queue →
// consumer → the runtime's /v1/agent-tests/run) and through `npm run agent:test` (exit code 0).
// On a copy of the demo agent, a required case that cannot pass makes the CLI exit 1 and the publish
// gate refuse with tests_failed; a Member cannot override it, an Owner can, and the version records
// the gate as overridden.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, Problem, TestCase, TestGate, TestRun, TestRunDetail } from "@speaknode/contracts";
import { demoAgentId, demoTestCases } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-agent-tests-"));
const repoRoot = join(import.meta.dirname, "..");

let stack: LocalStack;
let ownerToken = "";
let memberToken = "";

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  ownerToken = await token(stack.url);
  memberToken = await token(stack.url, "member@speaknode.local");
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function request(method: string, path: string, body?: unknown, as = ownerToken): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${as}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as unknown) : null };
}

async function api<T>(method: string, path: string, body?: unknown, status?: number): Promise<T> {
  const res = await request(method, path, body);
  if (status ? res.status !== status : res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.json as T;
}

async function finishedRun(agentId: string, runId: string): Promise<TestRunDetail> {
  for (let i = 0; i < 600; i++) {
    const run = await api<TestRunDetail>("GET", `/v1/agents/${agentId}/test-runs/${runId}`);
    if (run.status !== "queued" && run.status !== "running") return run;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`run ${runId} did not finish`);
}

/** `npm run agent:test -- …` as a user runs it (no token: the dev Owner's), its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, "scripts/agent-test.ts"), ...args], { cwd: repoRoot, env: { ...process.env, SPEAKNODE_URL: stack.url, SPEAKNODE_TOKEN: "" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** A run's results in one readable string, for assertion messages. */
const explain = (run: TestRunDetail) => JSON.stringify(run.results.map((r) => ({ case: r.caseName, status: r.status, reason: r.reason, failures: r.failures, turns: r.turns.map((t) => `${t.role}: ${t.text}`) })), null, 1);

describe("the demo agent's seeded test cases", () => {
  it("are listed on the demo agent", async () => {
    const { data } = await api<{ data: TestCase[] }>("GET", `/v1/agents/${demoAgentId}/test-cases`);
    expect(data.map((c) => c.name).sort()).toEqual(demoTestCases.map((c) => c.body.name).sort());
  });

  it("pass offline in text mode through the API, the order lookup answered by its mock", async () => {
    const created = await api<TestRun>("POST", `/v1/agents/${demoAgentId}/test-runs`, { version: "draft", mode: "text" }, 202);
    expect(created).toMatchObject({ status: "queued", total: 3, mode: "text" });
    const run = await finishedRun(demoAgentId, created.id);
    expect(run.status, explain(run)).toBe("passed");
    expect(run).toMatchObject({ passed: 3, failed: 0, errors: 0, skipped: 0, passRate: 1 });
    const lookup = run.results.find((r) => r.caseName === "Order lookup");
    const calls = lookup?.turns.flatMap((t) => t.toolCalls) ?? [];
    expect(calls).toContainEqual(expect.objectContaining({ name: "check_order", arguments: { orderId: "42" }, mocked: true }));
    expect(lookup?.turns.filter((t) => t.role === "agent").map((t) => t.text).join(" ")).toMatch(/shipped/i);
  });

  it("pass through npm run agent:test, which exits 0", async () => {
    const { code, out } = await cli([demoAgentId]);
    expect(code, out).toBe(0);
    for (const name of ["Greeting", "Order lookup", "Goodbye"]) expect(out).toMatch(new RegExp(`PASS +${name}`));
    expect(out).toContain("3 passed, 0 failed, 0 skipped, 0 errors of 3");
  });
});

describe("a failing required case", () => {
  let agentId = "";
  let caseId = "";

  it("is added to a published copy of the demo agent", async () => {
    const demo = await api<Agent>("GET", `/v1/agents/${demoAgentId}`);
    const { id: _id, spaceId: _space, version: _version, published: _published, publishedVersion: _publishedVersion, createdAt: _created, updatedAt: _updated, ...config } = demo;
    agentId = (await api<Agent>("POST", `/v1/spaces/${stack.demoSpaceId}/agents`, { ...config, name: "Gate test" }, 201)).id;
    await api<Agent>("POST", `/v1/agents/${agentId}/publish`, { note: "before tests" }, 200);
    const created = await api<TestCase>("POST", `/v1/agents/${agentId}/test-cases`, {
      name: "Pineapple",
      required: true,
      caller: { kind: "scripted", turns: [{ user: "Hello", expect: [{ type: "reply_contains", text: "pineapple" }] }] },
    }, 201);
    caseId = created.id;
  });

  it("makes npm run agent:test exit 1, naming the turn and the expectation", async () => {
    const { code, out } = await cli([agentId, "--case", caseId]);
    expect(code, out).toBe(1);
    expect(out).toMatch(/FAIL +Pineapple/);
    expect(out).toContain('turn 1 · reply_contains "pineapple"');
  });

  it("makes the publish gate refuse with tests_failed and its verdict, which a Member cannot override", async () => {
    const refused = await request("POST", `/v1/agents/${agentId}/publish`, { note: "gated" });
    expect(refused.status, refused.text).toBe(422);
    const problem = refused.json as Problem;
    expect(problem.code).toBe("tests_failed");
    expect(problem.testGate).toMatchObject({ failed: 1, overridden: false });
    expect(problem.testGate?.failures[0]).toMatchObject({ caseId, caseName: "Pineapple" });
    const member = await request("POST", `/v1/agents/${agentId}/publish`, { note: "gated", overrideTests: true }, memberToken);
    expect(member.status, member.text).toBe(403);
  });

  it("is overridden by an Owner, and the version records the overridden gate", async () => {
    const published = await api<Agent>("POST", `/v1/agents/${agentId}/publish`, { note: "anyway", overrideTests: true }, 200);
    expect(published.publishedVersion).toBe(2);
    const version = await api<{ testGate?: TestGate | null }>("GET", `/v1/agents/${agentId}/versions/2`);
    expect(version.testGate).toMatchObject({ overridden: true, failed: 1 });
    expect(version.testGate?.failures.map((f) => f.caseId)).toEqual([caseId]);
  });
});
