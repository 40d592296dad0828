// POST /v1/agents/{id}/sessions (session row + SessionRoom + local media token) under 20
// concurrent clients, with GET /healthz of the same Worker measured alongside as the baseline.
import { fmt, summary } from "./stats.ts";
import { load, token } from "./api.ts";

export async function dispatchBench(base: string, agentId: string): Promise<string[]> {
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
    `BENCH sessions.dispatch.p50_ms=${fmt(d.p50)} ms`,
    `BENCH sessions.dispatch.p99_ms=${fmt(d.p99)} ms`,
    `BENCH sessions.dispatch_vs_healthz.p50_ratio=${fmt(d.p50 / h.p50)} x`,
    `BENCH sessions.dispatch.sequential_p50_ms=${fmt(sequential.p50)} ms`,
    `BENCH sessions.dispatch.sequential_p99_ms=${fmt(sequential.p99)} ms`,
    `BENCH api.healthz.sequential_p50_ms=${fmt(sequentialHealth.p50)} ms`,
    `(${d.n} dispatches by 20 concurrent clients; each verifies a token, reads the agent and its published version, writes the session row, wakes its SessionRoom, which writes through to Postgres, and signs media and events tokens)`,
  ];
}
