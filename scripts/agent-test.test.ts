// The CLI against a small fake of the API's test-run routes (no stack): what it sends, how it
// waits, what it prints and the exit code it returns.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "./agent-test.ts";

const agentId = "agt_01jqz8k3m4n5p6q7r8s9t0v1w2";
const runId = "atr_01jqz8k3m4n5p6q7r8s9t0v1w2";

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}
let seen: Seen[] = [];
let polls = 0;
/** What the fake's run comes to once polled twice. */
let finalStatus: "passed" | "failed" = "passed";
let server: Server;
let base = "";

const readBody = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let body = "";
  req.on("data", (d: Buffer) => (body += d.toString()));
  req.on("end", () => resolve(body));
});

function runView(status: string) {
  const failed = status === "failed" ? 1 : 0;
  const finished = status === "passed" || status === "failed";
  return {
    id: runId, agentId, agentVersion: null, draftVersion: 1, mode: "text", repeat: 1, trigger: "api", status, reason: null,
    total: 1, passed: finished ? 1 - failed : 0, failed, skipped: 0, errors: 0, passRate: finished ? 1 - failed : null,
    cases: [{ caseId: "atc_01jqz8k3m4n5p6q7r8s9t0v1wa", caseName: "Greeting", passed: finished ? 1 - failed : 0, failed, skipped: 0, errors: 0, passRate: null }],
    createdBy: null, createdAt: "2026-12-06T10:00:00.000Z", startedAt: null, finishedAt: null,
    results: finished
      ? [{ caseId: "atc_01jqz8k3m4n5p6q7r8s9t0v1wa", caseName: "Greeting", iteration: 1, status, reason: null, turns: [], judged: [], durationMs: 300, usage: { prompt: 0, completion: 0 },
          failures: failed ? [{ expectation: { type: "reply_contains", text: "hello", caseSensitive: false }, turn: 1, message: "the reply does not contain \"hello\"" }] : [] }]
      : [],
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      seen.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body });
      const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      if (req.url === "/dev/oidc/token") return json(200, { access_token: "dev-token" });
      if (req.method === "POST" && req.url === `/v1/agents/${agentId}/test-runs`) return json(202, runView("queued"));
      if (req.method === "GET" && req.url === `/v1/agents/${agentId}/test-runs/${runId}`) return json(200, runView(++polls < 2 ? "running" : finalStatus));
      return res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify({ title: "Not found", detail: "agent not found", status: 404, code: "not_found" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

afterEach(() => {
  seen = [];
  polls = 0;
  vi.restoreAllMocks();
});

/** Runs the CLI's main with console output captured. */
async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  const code = await main(argv, env);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run agent:test", () => {
  it("starts a run with the given token, waits for it to finish, prints the cases and exits 0 when all passed", async () => {
    finalStatus = "passed";
    const { code, out } = await cli([agentId, "--repeat", "1"], { SPEAKNODE_URL: base, SPEAKNODE_TOKEN: "sk_test" });
    expect(code).toBe(0);
    expect(seen[0]).toMatchObject({ method: "POST", path: `/v1/agents/${agentId}/test-runs`, authorization: "Bearer sk_test" });
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ version: "draft", mode: "text", repeat: 1 });
    expect(seen.filter((s) => s.method === "GET")).toHaveLength(2);
    expect(out).toContain("PASS  Greeting");
    expect(out).toContain("1 passed, 0 failed, 0 skipped, 0 errors of 1");
  });

  it("exits 1 when a case failed, after printing the failure", async () => {
    finalStatus = "failed";
    const { code, out } = await cli([agentId], { SPEAKNODE_URL: base, SPEAKNODE_TOKEN: "sk_test" });
    expect(code).toBe(1);
    expect(out).toContain('turn 1 · reply_contains "hello"');
  });

  it("signs in as the dev Owner when no token is set", async () => {
    finalStatus = "passed";
    const { code } = await cli([agentId], { SPEAKNODE_URL: base });
    expect(code).toBe(0);
    expect(seen[0]?.path).toBe("/dev/oidc/token");
    expect(seen[1]?.authorization).toBe("Bearer dev-token");
  });

  it("prints the API's refusal in one line and exits 2", async () => {
    const { code, err } = await cli(["agt_01jqz8k3m4n5p6q7r8s9t0v1w3"], { SPEAKNODE_URL: base, SPEAKNODE_TOKEN: "sk_test" });
    expect(code).toBe(2);
    expect(err).toBe("Could not start the run (404): agent not found");
  });

  it("names npm run dev in one line when nothing answers", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    const { code, err } = await cli([agentId], { SPEAKNODE_URL: url });
    expect(code).toBe(2);
    expect(err).toBe(`Nothing answers at ${url}: start the platform with \`npm run dev\` (or set SPEAKNODE_URL to where it runs).`);
  });

  it("prints the usage after a bad argument and exits 2", async () => {
    const { code, err } = await cli(["--mode", "video"], { SPEAKNODE_URL: base });
    expect(code).toBe(2);
    expect(err).toContain("--mode is text or audio");
    expect(err).toContain("usage: npm run agent:test -- agt_…");
    expect(seen).toEqual([]);
  });
});
