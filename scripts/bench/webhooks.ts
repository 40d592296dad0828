// Outbound webhooks against the local stack, received by a loopback receiver of our own: a small
// Node HTTP server on 127.0.0.1 in a worker thread (the embedded database runs on this process's
// main thread, and a receiver sharing its event loop would stamp arrivals late whenever PGlite
// works). It answers 200 at once, stamps each request's arrival on the process's monotonic clock
// (the same clock this thread stamps the events with) and verifies the signature with the
// `standardwebhooks` package and the endpoint's secret.
//
// The events are real ones: each sample is a session dispatched through the API (not timed), then
// the runtime's `agent.ready` report (POST /runtime/v1/sessions/{id}/events with a service token):
// the SessionRoom writes the session active and emits `session.started` in that write's
// transaction, announces it on the webhooks queue after the commit, the queue's consumer fans it out
// to the space's endpoints and each delivery's attempt is made. The clock starts just before that
// report is sent and stops when the receiver has the whole body.
//   webhooks.delivery_p50_ms — sequential events, one endpoint, p50 (p99 beside it).
//   webhooks.deliveries_per_s — a burst of `burstEvents` session.started events to `burstEndpoints`
//     endpoints, started by `clients` concurrent clients; deliveries received ÷ (last receipt − first report).
// Same-run baselines, to the same receiver from this process: one Standard Webhooks signed POST
// (sign + fetch + receipt: the transport's floor; everything above it is the Worker, the database
// and the queue), sequential for the p50 and with the same concurrency for the rate. Also the test
// button's path (POST …/endpoints/{id}/test → one queued attempt) as a second latency figure.
//
// Standalone: `node scripts/bench/webhooks.ts` starts its own stack (in-memory database).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Webhook } from "standardwebhooks";
import { signRuntimeServiceToken } from "@speaknode/tokens";
import { token } from "./api.ts";
import { fmt, summary } from "./stats.ts";

const warmup = 5;
const samples = 40;
const testEventSamples = 20;
// Events × endpoints: enough deliveries in flight that the figure is the delivery path's, not the
// rate at which sessions can be dispatched and started (about 6 a second here under this load).
const burstEvents = 40;
const burstEndpoints = 10;
const clients = 16;
const receiptTimeoutMs = 60_000;

export interface WebhooksBenchTarget {
  url: string;
  spaceId: string;
  agentId: string;
  /** The Worker's RUNTIME_TOKEN_SECRET: the bench reports session events as the voice runtime. */
  runtimeTokenSecret: string;
}

/** One request the receiver took. `arrivedMs`: process.hrtime in ms when the body was complete. */
interface Receipt {
  box: string;
  webhookId: string;
  arrivedMs: number;
  signatureValid: boolean;
  type: string | null;
  sessionId: string | null;
}

type ToReceiver = { kind: "secret"; box: string; secret: string } | { kind: "close" };
type FromReceiver = { kind: "listening"; port: number } | { kind: "receipt"; receipt: Receipt };

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The receiver (worker thread)

function runReceiver(): void {
  const port = parentPort;
  if (!port) return;
  const secrets = new Map<string, Webhook>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const arrivedMs = nowMs();
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      const box = (req.url ?? "/").split("?")[0]?.replace(/^\/+/, "") ?? "";
      const body = Buffer.concat(chunks).toString("utf8");
      const header = (name: string) => String(req.headers[name] ?? "");
      let signatureValid = false;
      let parsed: { type?: unknown; data?: { sessionId?: unknown } } = {};
      try {
        const wh = secrets.get(box);
        if (wh) {
          parsed = wh.verify(body, { "webhook-id": header("webhook-id"), "webhook-timestamp": header("webhook-timestamp"), "webhook-signature": header("webhook-signature") }) as typeof parsed;
          signatureValid = true;
        } else parsed = JSON.parse(body) as typeof parsed;
      } catch {
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          // not JSON: recorded as unsigned and typeless
        }
      }
      const receipt: Receipt = {
        box,
        webhookId: header("webhook-id"),
        arrivedMs,
        signatureValid,
        type: typeof parsed.type === "string" ? parsed.type : null,
        sessionId: typeof parsed.data?.sessionId === "string" ? parsed.data.sessionId : null,
      };
      port.postMessage({ kind: "receipt", receipt } satisfies FromReceiver);
    });
  });
  // Many concurrent deliveries from workerd: no keep-alive surprises, a generous backlog.
  server.keepAliveTimeout = 5000;
  port.on("message", (m: ToReceiver) => {
    if (m.kind === "secret") secrets.set(m.box, new Webhook(m.secret));
    else server.close(() => process.exit(0));
  });
  server.listen(0, "127.0.0.1", 1024, () => {
    const address = server.address();
    port.postMessage({ kind: "listening", port: typeof address === "object" && address ? address.port : 0 } satisfies FromReceiver);
  });
}

interface Receiver {
  url: string;
  receipts: Receipt[];
  addSecret(box: string, secret: string): void;
  /** Resolves with the receipts matching `match` once there are `count` of them. */
  waitFor(what: string, match: (r: Receipt) => boolean, count: number, timeoutMs?: number): Promise<Receipt[]>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: "webhooks-receiver" } });
  const receipts: Receipt[] = [];
  const waiters = new Set<() => void>();
  const port = await new Promise<number>((resolve, reject) => {
    worker.on("message", (m: FromReceiver) => {
      if (m.kind === "listening") resolve(m.port);
      else {
        receipts.push(m.receipt);
        for (const w of waiters) w();
      }
    });
    worker.once("error", reject);
  });
  const exited = new Promise<void>((r) => worker.once("exit", () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    receipts,
    addSecret: (box, secret) => worker.postMessage({ kind: "secret", box, secret } satisfies ToReceiver),
    waitFor(what, match, count, timeoutMs = receiptTimeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = receipts.filter(match);
          if (found.length < count) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`the receiver got ${receipts.filter(match).length} of ${count} ${what} in ${timeoutMs} ms (${receipts.length} requests in all)`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      worker.postMessage({ kind: "close" } satisfies ToReceiver);
      await Promise.race([exited, sleep(3000)]);
      await worker.terminate();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The bench

/** Runs `fn` over `items` with `concurrency` workers. */
async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

async function expectOk(res: Response, what: string, status?: number): Promise<unknown> {
  const text = await res.text();
  if (status ? res.status !== status : !res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 400)}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

export async function webhooksBench(target: WebhooksBenchTarget): Promise<string[]> {
  const owner = { authorization: `Bearer ${await token(target.url)}`, "content-type": "application/json" };
  const runtime = { authorization: `Bearer ${await signRuntimeServiceToken(target.runtimeTokenSecret, { ttlS: 3600, subject: "bench" })}`, "content-type": "application/json" };
  const hooks = `${target.url}/v1/spaces/${target.spaceId}/webhooks`;
  const receiver = await startReceiver();
  const endpointIds: string[] = [];
  const sessions: string[] = [];
  const ended = new Set<string>();

  const createEndpoint = async (box: string): Promise<string> => {
    const body = { url: `${receiver.url}/${box}`, description: `bench receiver ${box}`, eventTypes: ["session.started"] };
    const created = (await expectOk(await fetch(`${hooks}/endpoints`, { method: "POST", headers: owner, body: JSON.stringify(body) }), "creating an endpoint", 201)) as { id: string; secret: string };
    receiver.addSecret(box, created.secret);
    endpointIds.push(created.id);
    return created.id;
  };
  const dispatch = async (): Promise<string> => {
    const res = await fetch(`${target.url}/v1/agents/${target.agentId}/sessions`, { method: "POST", headers: owner, body: JSON.stringify({ variables: { customer_name: "Bench" } }) });
    const { sessionId } = (await expectOk(res, "dispatching a session", 201)) as { sessionId: string };
    sessions.push(sessionId);
    return sessionId;
  };
  const report = async (sessionId: string, eventId: string, event: Record<string, unknown>) =>
    expectOk(await fetch(`${target.url}/runtime/v1/sessions/${sessionId}/events`, { method: "POST", headers: runtime, body: JSON.stringify({ eventId, event }) }), `reporting ${String(event["type"])}`);
  const complete = async (sessionId: string) => {
    if (ended.has(sessionId)) return;
    ended.add(sessionId);
    await report(sessionId, "bench-completed", { type: "completed", tokenUsage: { prompt: 0, completion: 0 }, durationMs: 1000, endReason: "caller_hung_up" }).catch(() => undefined);
  };
  const started = (box: string, sessionId: string) => (r: Receipt) => r.box === box && r.type === "session.started" && r.sessionId === sessionId;

  try {
    // One endpoint for the latency; the event type only (the sessions' ends and failures go nowhere).
    const firstEndpoint = await createEndpoint("e1");

    // Event → receipt, one at a time. Each session ends right after its receipt, as calls do.
    const latencyMs: number[] = [];
    const reportMs: number[] = [];
    for (let i = 0; i < warmup + samples; i++) {
      const sessionId = await dispatch();
      const t0 = nowMs();
      await report(sessionId, "bench-ready", { type: "agent.ready" });
      const t1 = nowMs();
      const [receipt] = await receiver.waitFor(`session.started of ${sessionId}`, started("e1", sessionId), 1);
      if (i >= warmup && receipt) {
        latencyMs.push(receipt.arrivedMs - t0);
        reportMs.push(t1 - t0);
      }
      await complete(sessionId);
    }

    // The test button's path: the API writes the event and its delivery and queues the attempt.
    const testMs: number[] = [];
    for (let i = 0; i < testEventSamples; i++) {
      const t0 = nowMs();
      const delivery = (await expectOk(await fetch(`${hooks}/endpoints/${firstEndpoint}/test`, { method: "POST", headers: owner }), "sending a test event", 202)) as { eventId: string };
      const [receipt] = await receiver.waitFor(`test event ${delivery.eventId}`, (r) => r.box === "e1" && r.webhookId === delivery.eventId, 1);
      if (receipt) testMs.push(receipt.arrivedMs - t0);
    }

    // Baseline: a signed POST from here to the same receiver, sign → receipt.
    const baselineSecret = `whsec_${Buffer.from("speaknode-bench-baseline-secret!").toString("base64")}`;
    receiver.addSecret("baseline", baselineSecret);
    const signer = new Webhook(baselineSecret);
    let baselineSeq = 0;
    const plainPost = async (): Promise<number> => {
      const id = `msg_baseline_${baselineSeq++}`;
      const t0 = nowMs();
      const body = JSON.stringify({ type: "session.started", timestamp: new Date().toISOString(), data: { sessionId: id } });
      const at = new Date();
      const res = await fetch(`${receiver.url}/baseline`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signer.sign(id, at, body) },
        body,
      });
      await res.arrayBuffer();
      const [receipt] = await receiver.waitFor(`baseline POST ${id}`, (r) => r.box === "baseline" && r.webhookId === id, 1);
      return (receipt?.arrivedMs ?? Number.NaN) - t0;
    };
    for (let i = 0; i < warmup; i++) await plainPost();
    const baselineMs: number[] = [];
    for (let i = 0; i < samples; i++) baselineMs.push(await plainPost());

    // The burst: `clients` concurrent runtimes each dispatch a session and report it ready, until
    // `burstEvents` sessions have started; every event goes to `burstEndpoints` endpoints. (Dispatched
    // first and reported later, most would fail: a session not joined within 20 s is given up.)
    for (let e = 2; e <= burstEndpoints; e++) await createEndpoint(`e${e}`);
    const burstBoxes = Array.from({ length: burstEndpoints }, (_, i) => `e${i + 1}`);
    const inBurst = new Set<string>();
    const burstMatch = (r: Receipt) => r.type === "session.started" && r.sessionId !== null && inBurst.has(r.sessionId) && burstBoxes.includes(r.box);
    let burstT0 = Number.NaN;
    await pool(Array.from({ length: burstEvents }), clients, async () => {
      const id = await dispatch();
      inBurst.add(id);
      if (Number.isNaN(burstT0)) burstT0 = nowMs();
      await report(id, "bench-ready", { type: "agent.ready" });
    });
    const reportedAt = nowMs();
    const burstReceipts = await receiver.waitFor("burst deliveries", burstMatch, burstEvents * burstEndpoints, 180_000);
    const lastAt = Math.max(...burstReceipts.map((r) => r.arrivedMs));
    const firstAt = Math.min(...burstReceipts.map((r) => r.arrivedMs));
    const burstDeliveries = burstEvents * burstEndpoints;
    const deliveriesPerS = burstDeliveries / ((lastAt - burstT0) / 1000);
    const receiptWindowPerS = (burstDeliveries - 1) / ((lastAt - firstAt) / 1000);
    // Anything past the count is a second delivery of an event (at-least-once), counted, not hidden.
    await sleep(1500);
    const duplicates = receiver.receipts.filter(burstMatch).length - burstDeliveries;

    // Baseline rate: as many signed POSTs, with the same concurrency, sign → last receipt.
    const baseT0 = nowMs();
    await pool(Array.from({ length: burstDeliveries }), clients, () => plainPost());
    const baselinePerS = burstDeliveries / ((nowMs() - baseT0) / 1000);

    const unsigned = receiver.receipts.filter((r) => !r.signatureValid).length;
    if (unsigned > 0) throw new Error(`${unsigned} deliveries did not verify with standardwebhooks`);

    const d = summary(latencyMs);
    const rep = summary(reportMs);
    const t = summary(testMs);
    const b = summary(baselineMs);
    return [
      `BENCH webhooks.delivery_p50_ms=${fmt(d.p50)} ms`,
      `BENCH webhooks.delivery.p99_ms=${fmt(d.p99)} ms`,
      `BENCH webhooks.delivery.baseline_signed_post_p50_ms=${fmt(b.p50)} ms`,
      `BENCH webhooks.test_event_p50_ms=${fmt(t.p50)} ms`,
      `BENCH webhooks.deliveries_per_s=${fmt(deliveriesPerS, 1)} deliveries/s`,
      `BENCH webhooks.deliveries.baseline_signed_posts_per_s=${fmt(baselinePerS, 1)} posts/s`,
      `(delivery: ${d.n} session.started events after ${warmup} warm-up ones, one at a time, from the runtime's agent.ready report (the SessionRoom's active write emits the event, ` +
        `announced on the webhooks queue after the commit; the report itself answered in p50 ${fmt(rep.p50)} ms) → fan-out → attempt → a loopback receiver verifying with standardwebhooks; target well under 1 s. ` +
        `Test button: POST …/test → receipt, ${t.n} events. Baseline: a standardwebhooks-signed POST from the bench to the same receiver. ` +
        `Burst: ${burstEvents} sessions dispatched and reported ready by ${clients} concurrent clients (${burstEvents} events × ${burstEndpoints} endpoints), the reports done ${fmt((reportedAt - burstT0) / 1000)} s after the first; first receipt ${fmt((firstAt - burstT0) / 1000)} s, ` +
        `last ${fmt((lastAt - burstT0) / 1000)} s after the first report (first → last receipt: ${fmt(receiptWindowPerS, 1)} deliveries/s); ${duplicates} duplicate deliveries; target tens per second)`,
    ];
  } finally {
    // The space as it was: no bench endpoints (deleted first, so the ends below go nowhere), no live bench sessions.
    for (const id of endpointIds) await fetch(`${hooks}/endpoints/${id}`, { method: "DELETE", headers: owner }).catch(() => undefined);
    await pool(sessions, clients, (id) => complete(id));
    await receiver.close();
  }
}

if (!isMainThread) {
  if ((workerData as { role?: string } | null)?.role === "webhooks-receiver") runReceiver();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Standalone: a stack of its own, only this bench.
  const { freePort, localSecretsKey, startLocalStack } = await import("../lib.ts");
  const { putSpaceOnBenchPlan } = await import("./billing.ts");
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-webhooks-"));
  const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true });
  try {
    await putSpaceOnBenchPlan(stack.url, stack.demoSpaceId);
    const target = { url: stack.url, spaceId: stack.demoSpaceId, agentId: stack.demoAgentId, runtimeTokenSecret: localSecretsKey(workDir, "runtime-token.key") };
    for (const line of await webhooksBench(target)) console.log(line);
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
