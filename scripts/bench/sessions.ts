// POST /v1/agents/{id}/sessions (session row + SessionRoom + local media token) under 20
// concurrent clients, with GET /healthz of the same Worker measured alongside as the baseline: on
// the bench's stack (PGlite), and on a stack of its own over a real PostgreSQL server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, summary } from "./stats.ts";
import { load, token } from "./api.ts";
import { putSpaceOnBenchPlan } from "./billing.ts";
import { freePort, startLocalStack } from "../lib.ts";
import { startPostgresServer } from "../postgres.ts";

/** `suffix` names the database in the figures' names (".postgres"); none for the bench's own stack. */
export async function dispatchBench(base: string, agentId: string, suffix = ""): Promise<string[]> {
  const auth = { authorization: `Bearer ${await token(base)}`, "content-type": "application/json" };
  const url = `${base}/v1/agents/${agentId}/sessions`;
  const init = { method: "POST", headers: auth, body: JSON.stringify({ variables: { customer_name: "Bench" } }) };
  await load(url, init, 3);
  const health: number[] = [];
  const dispatch: number[] = [];
  for (let round = 0; round < 3; round++) {
    health.push(...(await load(`${base}/healthz`, {}, 10)));
    dispatch.push(...(await load(url, init, 10)));
  }
  const d = summary(dispatch);
  const h = summary(health);
  // One client at a time: the per-request cost, without the queueing of 20 clients on 2 cores.
  const sequential = summary(await load(url, init, 40, 1));
  const sequentialHealth = summary(await load(`${base}/healthz`, {}, 40, 1));
  return [
    `BENCH sessions.dispatch.p50_ms${suffix}=${fmt(d.p50)} ms`,
    `BENCH sessions.dispatch.p99_ms${suffix}=${fmt(d.p99)} ms`,
    `BENCH sessions.dispatch_vs_healthz.p50_ratio${suffix}=${fmt(d.p50 / h.p50)} x`,
    `BENCH sessions.dispatch.sequential_p50_ms${suffix}=${fmt(sequential.p50)} ms`,
    `BENCH sessions.dispatch.sequential_p99_ms${suffix}=${fmt(sequential.p99)} ms`,
    `BENCH api.healthz.sequential_p50_ms${suffix}=${fmt(sequentialHealth.p50)} ms`,
    `(${d.n} dispatches by 20 concurrent clients, healthz p50 ${fmt(h.p50)} ms alongside; each verifies a token, reads the user, then the agent with its role and published snapshot in one query, the plan, admits and inserts the row in one message (one transaction), and makes one SessionRoom call; it signs media and events tokens)`,
  ];
}

/** The same figures on a stack of their own whose Worker talks to a real PostgreSQL (trust auth, fsync off). */
export async function dispatchOnPostgresBench(): Promise<string[]> {
  const server = await startPostgresServer();
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-pg-"));
  // startLocalStack migrates and uses DATABASE_URL when set (instead of starting PGlite).
  const before = process.env["DATABASE_URL"];
  process.env["DATABASE_URL"] = server.url;
  try {
    const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true });
    try {
      await putSpaceOnBenchPlan(stack.url, stack.demoSpaceId);
      return await dispatchBench(stack.url, stack.demoAgentId, ".postgres");
    } finally {
      await stack.stop();
    }
  } finally {
    if (before === undefined) delete process.env["DATABASE_URL"];
    else process.env["DATABASE_URL"] = before;
    rmSync(workDir, { recursive: true, force: true });
    await server.close();
  }
}
