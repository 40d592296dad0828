// Telemetry ingest against the local stack: OTLP JSON exports of 100 realistic spans each, posted by
// concurrent clients to POST /v1/traces with the runtime's service token, timed until every span
// is a row in Postgres (Worker → local Queue → consumer → one INSERT per batch → PGlite). The
// consumer's insert statement is also timed on its own, run from here against the stack's database
// with the consumer's code (workers/src/telemetry/store.ts) through the same driver and proxy.
// GET /healthz under the same concurrency is the same-run baseline of a request doing nothing.
//
// Standalone: `node scripts/bench/telemetry.ts` starts its own stack (in-memory database).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createDatabase, type DatabaseHandle } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { signRuntimeServiceToken } from "@speaknode/tokens";
import { normalizeRequest } from "../../workers/src/telemetry/normalize.ts";
import { ExportTraceServiceRequest } from "../../workers/src/telemetry/otlp.ts";
import { insertSpans } from "../../workers/src/telemetry/store.ts";
import { hex, otlpRequest, realisticSpan } from "../../workers/src/telemetry/fixtures.ts";
import { fmt, summary } from "./stats.ts";

const spansPerRequest = 100;
const requests = 400;
const clients = 16;
const insertRounds = 12;
const sessionId = "ses_01jqz8k3m4n5p6q7r8s9t0v1w2";

export interface TelemetryBenchTarget {
  url: string;
  tokenSecret: string;
  databaseUrl: string;
  localProxy: string;
}

/** One export: a trace of `spansPerRequest` spans under the runtime's resource. */
function exportBody(traceId: string, spanCount = spansPerRequest): string {
  const spans = Array.from({ length: spanCount }, (_, i) => realisticSpan(sessionId, traceId, i));
  return JSON.stringify(otlpRequest(spans, { "service.name": "speaknode-voice-runtime", "service.instance.id": "bench" }));
}

async function countStored(handle: DatabaseHandle, traceIds: string[]): Promise<number> {
  const res = await handle.pool.query<{ n: number }>("select count(*)::int as n from spans where trace_id = any($1)", [traceIds]);
  return res.rows[0]?.n ?? 0;
}

/**
 * Posts every body from a worker thread: the embedded database runs on this process's main
 * thread, and a load generator sharing its event loop would wait whenever PGlite inserts.
 */
function postAll(url: string, token: string, bodies: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { url, token, bodies } satisfies PostJob });
    worker.once("message", (latencies: number[]) => resolve(latencies));
    worker.once("error", reject);
    worker.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`the load generator exited with ${code}`))));
  });
}

interface PostJob {
  url: string;
  token: string;
  bodies: string[];
}

/** Posts every body with `clients` concurrent clients; resolves with each request's latency. */
async function postAllHere(url: string, token: string, bodies: string[]): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t0 = performance.now();
        const res = await fetch(`${url}/v1/traces`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body });
        const text = await res.text();
        if (res.status !== 200 || text !== '{"partialSuccess":{}}') throw new Error(`POST /v1/traces answered ${res.status}: ${text.slice(0, 300)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies;
}

async function waitStored(handle: DatabaseHandle, traceIds: string[], expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await countStored(handle, traceIds);
    if (n >= expected) return performance.now();
    if (Date.now() > deadline) throw new Error(`only ${n} of ${expected} spans stored after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function healthzPerSecond(url: string, total: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < total) await (await fetch(`${url}/healthz`)).arrayBuffer();
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

export async function telemetryBench(target: TelemetryBenchTarget): Promise<string[]> {
  const token = await signRuntimeServiceToken(target.tokenSecret, { ttlS: 3600, subject: "bench" });
  const db = createDatabase({ url: target.databaseUrl, localProxy: target.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  try {
    // Warm-up: the Worker's isolate, the queue, the consumer and the database.
    const warmIds = Array.from({ length: 20 }, () => hex(16));
    await postAll(target.url, token, warmIds.map((id) => exportBody(id)));
    await waitStored(db, warmIds, warmIds.length * spansPerRequest, 60_000);
    await healthzPerSecond(target.url, 100);

    const baselinePerS = await healthzPerSecond(target.url, requests);
    const traceIds = Array.from({ length: requests }, () => hex(16));
    const bodies = traceIds.map((id) => exportBody(id));
    const t0 = performance.now();
    const latencies = await postAll(target.url, token, bodies);
    const postedAt = performance.now();
    const storedAt = await waitStored(db, traceIds, requests * spansPerRequest, 180_000);
    const totalSpans = requests * spansPerRequest;
    const post = summary(latencies);

    // The consumer's statement alone: 1000 fresh spans per round, median of the rounds.
    const insertMs: number[] = [];
    for (let round = 0; round < insertRounds; round++) {
      const traceId = hex(16);
      const request = ExportTraceServiceRequest.parse(JSON.parse(exportBody(traceId, 100)));
      const groups = Array.from({ length: 10 }, () => normalizeRequest(request).groups).flat();
      // ten copies of a 100-span export with fresh span ids: 1000 distinct rows
      for (const g of groups) for (const s of g.spans) s.spanId = hex(8);
      const t = performance.now();
      const result = await insertSpans(db.db, groups);
      insertMs.push(performance.now() - t);
      if (result.inserted !== 1000) throw new Error(`inserted ${result.inserted} of 1000 spans`);
    }
    const insert = summary(insertMs.slice(2));

    const ingestPerS = totalSpans / ((storedAt - t0) / 1000);
    const insertPerS = 1000 / (insert.p50 / 1000);
    return [
      // End to end (POST → queue → consumer → row) ÷ the consumer's insert alone, both spans/s.
      `BENCH telemetry.ingest_vs_insert_ratio=${fmt(ingestPerS / insertPerS)} ratio`,
      `BENCH telemetry.insert_spans_per_s=${fmt(insertPerS, 0)} spans/s`,
      `BENCH telemetry.ingest_spans_per_s=${fmt(ingestPerS, 0)} spans/s`,
      `BENCH telemetry.consumer_insert_ms_per_1000_spans=${fmt(insert.p50)} ms`,
      `BENCH telemetry.post_spans_per_s=${fmt(totalSpans / ((postedAt - t0) / 1000), 0)} spans/s`,
      `BENCH telemetry.post_req_per_s=${fmt(requests / ((postedAt - t0) / 1000), 1)} req/s`,
      `BENCH telemetry.post_p50_ms=${fmt(post.p50)} ms`,
      `BENCH telemetry.post_p99_ms=${fmt(post.p99)} ms`,
      `BENCH telemetry.baseline_healthz_req_per_s=${fmt(baselinePerS, 1)} req/s`,
      `(${requests} exports of ${spansPerRequest} spans (~${fmt(Buffer.byteLength(bodies[0] ?? "") / 1024, 0)} KiB each) by ${clients} concurrent clients, timed until all ${totalSpans} rows were in Postgres; ` +
        `the last POST returned ${fmt((postedAt - t0) / 1000)} s in, the last row landed ${fmt((storedAt - postedAt) / 1000)} s later. ` +
        `Insert: consumer's one-statement INSERT of 1000 spans run directly against the stack's database, median of ${insert.n} rounds)`,
    ];
  } finally {
    await db.close();
  }
}

if (!isMainThread) {
  const job = workerData as PostJob;
  parentPort?.postMessage(await postAllHere(job.url, job.token, job.bodies));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Standalone: a stack of its own, only this bench.
  const { freePort, localSecretsKey, startLocalStack } = await import("../lib.ts");
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-telemetry-"));
  const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true });
  try {
    const target = { url: stack.url, tokenSecret: localSecretsKey(workDir, "runtime-token.key"), databaseUrl: stack.database.databaseUrl, localProxy: stack.database.localProxy };
    for (const line of await telemetryBench(target)) console.log(line);
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
