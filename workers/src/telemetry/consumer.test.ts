import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { analyticsDaily, createDatabase, spans, telemetryDeadLetters, type DatabaseHandle } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";
import { dispatched, postEvent } from "../runtime/testing.ts";
import { recordingFetch } from "../analytics/testing.ts";
import type { Config } from "../config.ts";
import { handleTelemetryBatch, type ConsumerDeps } from "./consumer.ts";
import { normalizeRequest, packGroups, spansMessages } from "./normalize.ts";
import { ExportTraceServiceRequest } from "./otlp.ts";
import { telemetryDeadLetterQueueName, telemetryQueueName, type SpansMessage, type TelemetryMessage } from "@speaknode/contracts";
import { hex, otlpRequest, otlpSpan, recordingQueue } from "./testing.ts";
import type { WorkerEnv } from "../env.ts";

/** The queue message POST /v1/traces would send for these OTLP spans. */
function spansMessage(otlpSpans: Record<string, unknown>[], resource?: Record<string, string>): SpansMessage {
  const { groups } = normalizeRequest(ExportTraceServiceRequest.parse(otlpRequest(otlpSpans, resource)));
  const [message] = spansMessages(packGroups(groups), Date.now());
  if (!message) throw new Error("no message");
  return message.body;
}

/** A database factory whose handles count (and keep the SQL of) every statement. */
function countingDatabase(): { statements: string[]; database: ConsumerDeps["database"] } {
  const statements: string[] = [];
  const database = (config: Config): DatabaseHandle => {
    const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 2 });
    const query = handle.pool.query.bind(handle.pool) as (...args: unknown[]) => unknown;
    (handle.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      statements.push(typeof first === "string" ? first : String((first as { text?: string }).text));
      return query(...args);
    };
    return handle;
  };
  return { statements, database };
}

let seq = 0;
async function consume(queue: string, bodies: unknown[], opts: { env?: WorkerEnv; deps?: Partial<ConsumerDeps>; ids?: string[] } = {}): Promise<{ result: QueueResult; ids: string[] }> {
  const ids = opts.ids ?? bodies.map(() => `msg-${Date.now()}-${++seq}`);
  const batch = createMessageBatch(queue, bodies.map((body, i) => ({ id: ids[i] ?? "", timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await handleTelemetryBatch(batch, opts.env ?? env, ctx, opts.deps);
  return { result: await getQueueResult(batch, ctx), ids };
}

const storedSpans = (traceIds: string[]) => withDb((db) => db.select().from(spans).where(inArray(spans.traceId, traceIds)));

describe("analytics refresh messages", () => {
  it("refresh each (space, day) of a batch once, however many of its sessions ended, and are acked", async () => {
    const first = await dispatched();
    const second = await dispatched(first.world);
    for (const { sessionId } of [first, second]) {
      expect((await postEvent(sessionId, "a1", { type: "agent.ready" })).status).toBe(200);
      expect((await postEvent(sessionId, "a2", { type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 500 })).status).toBe(200);
    }
    const counting = countingDatabase();
    const refresh = (sessionIds: string[]): TelemetryMessage => ({ protocolVersion: 1, type: "analytics.refresh", sessionIds });
    const { result, ids } = await consume(telemetryQueueName, [refresh([first.sessionId]), refresh([second.sessionId]), refresh([first.sessionId])], { deps: { database: counting.database } });
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(result.retryMessages).toEqual([]);
    // one upsert of the aggregates for the day, not one per message
    expect(counting.statements.filter((q) => /insert into "?analytics_daily/i.test(q))).toHaveLength(1);
    const rows = await withDb((db) => db.select().from(analyticsDaily).where(eq(analyticsDaily.spaceId, first.world.spaceId)));
    expect(rows.find((r) => r.agentId === "")).toMatchObject({ sessionsTotal: 2, sessionsCompleted: 2 });
  });

  it("feed the configured ClickHouse sink, as the cron and the Admin's backfill do", async () => {
    const { world, sessionId } = await dispatched();
    expect((await postEvent(sessionId, "a1", { type: "agent.ready" })).status).toBe(200);
    expect((await postEvent(sessionId, "a2", { type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 500 })).status).toBe(200);
    const clickhouse = recordingFetch();
    const withClickHouse = { ...env, CLICKHOUSE_URL: "https://ch.example.test:8443", CLICKHOUSE_PASSWORD: "pw" };
    const { result } = await consume(telemetryQueueName, [{ protocolVersion: 1, type: "analytics.refresh", sessionIds: [sessionId] }], { env: withClickHouse, deps: { fetch: clickhouse.fetch } });
    expect(result.retryMessages).toEqual([]);
    expect(clickhouse.requests).toHaveLength(1);
    const [insert] = clickhouse.requests;
    expect(insert?.url.host).toBe("ch.example.test:8443");
    expect(insert?.url.searchParams.get("query")).toBe("INSERT INTO default.analytics_daily FORMAT JSONEachRow");
    const rows = (insert?.body.trim().split("\n") ?? []).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => [r["space_id"], r["agent_id"], r["sessions_completed"]]).sort()).toEqual([
      [world.spaceId, "", 1],
      [world.spaceId, world.agentId, 1],
    ]);
  });
});

describe("telemetry consumer", () => {
  it("stores every span of a batch in one statement, linked to its session's space and agent", async () => {
    const { world, sessionId } = await dispatched();
    const [a, b, c] = [hex(16), hex(16), hex(16)];
    const counting = countingDatabase();
    const { result, ids } = await consume(
      telemetryQueueName,
      [spansMessage([otlpSpan({ traceId: a, sessionId }), otlpSpan({ traceId: a, sessionId })]), spansMessage([otlpSpan({ traceId: b })], { "speaknode.session.id": sessionId }), spansMessage([otlpSpan({ traceId: c })])],
      { deps: { database: counting.database } },
    );
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(result.retryMessages).toEqual([]);
    expect(counting.statements).toHaveLength(1);
    expect(counting.statements[0]).toMatch(/insert into "spans"/);

    const rows = await storedSpans([a, b, c]);
    expect(rows).toHaveLength(4);
    for (const row of rows.filter((r) => r.traceId !== c)) expect(row).toMatchObject({ sessionId, spaceId: world.spaceId, agentId: world.agentId });
    expect(rows.find((r) => r.traceId === c)).toMatchObject({ sessionId: null, spaceId: null, agentId: null, resource: { "service.name": "speaknode-voice-runtime" } });
  });

  it("changes nothing when a batch is delivered again", async () => {
    const traceId = hex(16);
    const span = otlpSpan({ traceId, name: "first" });
    await consume(telemetryQueueName, [spansMessage([span])]);
    const before = await storedSpans([traceId]);
    const { result } = await consume(telemetryQueueName, [spansMessage([{ ...span, name: "second" }]), spansMessage([span])]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(await storedSpans([traceId])).toEqual(before);
  });

  it("retries an unreadable message alone and stores the rest", async () => {
    const [a, b] = [hex(16), hex(16)];
    const good1 = spansMessage([otlpSpan({ traceId: a })]);
    const good2 = spansMessage([otlpSpan({ traceId: b })]);
    const { result, ids } = await consume(telemetryQueueName, [good1, { hello: "world" }, { ...good2, protocolVersion: 2 }, good2]);
    expect(result.explicitAcks.sort()).toEqual([ids[0], ids[3]].sort());
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual([ids[1], ids[2]].sort());
    expect(result.ackAll).toBe(false);
    expect(await storedSpans([a, b])).toHaveLength(2);
  });

  it("when the batch insert fails, stores message by message and retries only the one that fails", async () => {
    const [a, b] = [hex(16), hex(16)];
    const bad = spansMessage([otlpSpan({ traceId: b })]);
    // Passes the protocol's shape but not Postgres: beyond bigint.
    const group = bad.groups[0];
    const first = group?.spans[0];
    if (!group || !first) throw new Error("no span");
    group.spans[0] = { ...first, startTimeUnixNano: "9999999999999999999" };
    const { result, ids } = await consume(telemetryQueueName, [spansMessage([otlpSpan({ traceId: a })]), bad]);
    expect(result.explicitAcks).toEqual([ids[0]]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([ids[1]]);
    expect(await storedSpans([a, b])).toHaveLength(1);
  });

  it("refreshes analytics for sessions that have ended, and only for those", async () => {
    const live = await dispatched();
    const ended = await dispatched(live.world);
    await postEvent(ended.sessionId, "e1", { type: "agent.ready" });
    await postEvent(ended.sessionId, "e2", { type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 1000 });
    const counting = countingDatabase();
    await consume(telemetryQueueName, [spansMessage([otlpSpan({ sessionId: live.sessionId })])], { deps: { database: counting.database } });
    expect(counting.statements.some((s) => s.includes("analytics_daily"))).toBe(false);
    await consume(telemetryQueueName, [spansMessage([otlpSpan({ sessionId: ended.sessionId })])], { deps: { database: counting.database } });
    expect(counting.statements.some((s) => s.includes("analytics_daily"))).toBe(true);
  });
});

describe("telemetry dead-letter consumer", () => {
  it("keeps each dead letter once, with why it failed", async () => {
    const poison = { protocolVersion: 9, type: "spans" };
    const fine = spansMessage([otlpSpan()]);
    const ids = [`dlq-${crypto.randomUUID()}`, `dlq-${crypto.randomUUID()}`];
    const first = await consume(telemetryDeadLetterQueueName, [poison, fine], { ids });
    expect(first.result.explicitAcks.sort()).toEqual([...ids].sort());
    const again = await consume(telemetryDeadLetterQueueName, [poison, fine], { ids });
    expect(again.result.explicitAcks).toHaveLength(2);

    const rows = await withDb((db) => db.select().from(telemetryDeadLetters).where(inArray(telemetryDeadLetters.messageId, ids)));
    expect(rows).toHaveLength(2);
    const byMessage = new Map(rows.map((r) => [r.messageId, r]));
    expect(byMessage.get(ids[0] ?? "")).toMatchObject({ queue: telemetryQueueName, body: poison, attempts: 4 });
    expect(byMessage.get(ids[0] ?? "")?.error).toContain("protocolVersion");
    expect(byMessage.get(ids[1] ?? "")?.error).toContain("could not be stored");
    expect(byMessage.get(ids[1] ?? "")?.id).toMatch(/^dlq_/);
  });

  it("stores bodies Postgres would refuse as they are", async () => {
    const id = `dlq-${crypto.randomUUID()}`;
    const { result } = await consume(telemetryDeadLetterQueueName, [{ text: "nul \u0000 and lone \udc00" }], { ids: [id] });
    expect(result.explicitAcks).toEqual([id]);
    const [row] = await withDb((db) => db.select().from(telemetryDeadLetters).where(eq(telemetryDeadLetters.messageId, id)));
    expect(row?.body).toEqual({ text: "nul \ufffd and lone \ufffd" });
  });
});

describe("Langfuse forwarding", () => {
  const langfuseEnv = (queue: Queue<TelemetryMessage>) => ({ ...env, LANGFUSE_BASE_URL: "https://langfuse.example.test/", LANGFUSE_PUBLIC_KEY: "pk-lf-test", LANGFUSE_SECRET_KEY: "sk-lf-test", TELEMETRY_QUEUE: queue });

  function recordingFetch(status: number) {
    const requests: { url: string; method: string; headers: Headers; body: unknown }[] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      requests.push({ url: req.url, method: req.method, headers: req.headers, body: await req.json() });
      return new Response(status < 300 ? "{}" : "nope", { status });
    }) as typeof fetch;
    return { requests, fetch: fetchFn };
  }

  it("sends the stored gen_ai spans as OTLP JSON with Basic auth, keeping resource and scope", async () => {
    const traceId = hex(16);
    const llm = otlpSpan({ traceId, name: "llm_request", attributes: { "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 12, "lk.response.ttft": 0.25 } });
    const tts = otlpSpan({ traceId, name: "tts_request", attributes: { "lk.tts.voice": "rms" } });
    const queue = recordingQueue();
    const http = recordingFetch(200);
    const { result } = await consume(telemetryQueueName, [spansMessage([llm, tts], { "service.name": "speaknode-voice-runtime", "service.instance.id": "runtime-1" })], { env: langfuseEnv(queue.queue), deps: { fetch: http.fetch } });
    expect(result.explicitAcks).toHaveLength(1);
    expect(await storedSpans([traceId])).toHaveLength(2);

    expect(http.requests).toHaveLength(1);
    const [req] = http.requests;
    expect(req?.url).toBe("https://langfuse.example.test/api/public/otel/v1/traces");
    expect(req?.method).toBe("POST");
    expect(req?.headers.get("authorization")).toBe(`Basic ${btoa("pk-lf-test:sk-lf-test")}`);
    expect(req?.headers.get("content-type")).toBe("application/json");
    expect(req?.headers.get("x-langfuse-ingestion-version")).toBe("4");
    // The recorded shape: a valid ExportTraceServiceRequest holding only the LLM span.
    const body = ExportTraceServiceRequest.parse(req?.body);
    expect(body).toEqual({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "speaknode-voice-runtime" } }, { key: "service.instance.id", value: { stringValue: "runtime-1" } }] },
          scopeSpans: [
            {
              scope: { name: "livekit-agents", version: "1.9.0" },
              spans: [
                {
                  traceId,
                  spanId: llm["spanId"],
                  name: "llm_request",
                  kind: 1,
                  startTimeUnixNano: llm["startTimeUnixNano"],
                  endTimeUnixNano: llm["endTimeUnixNano"],
                  attributes: [
                    { key: "gen_ai.request.model", value: { stringValue: "gpt-4o-mini" } },
                    { key: "gen_ai.usage.input_tokens", value: { intValue: 12 } },
                    { key: "lk.response.ttft", value: { doubleValue: 0.25 } },
                  ],
                  events: [],
                  status: { code: 0 },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(queue.calls).toBe(0);
  });

  it("queues a forward for retry when Langfuse is unavailable, without touching the stored spans", async () => {
    const traceId = hex(16);
    const queue = recordingQueue();
    const { result } = await consume(telemetryQueueName, [spansMessage([otlpSpan({ traceId, attributes: { "gen_ai.request.model": "m" } })])], { env: langfuseEnv(queue.queue), deps: { fetch: recordingFetch(503).fetch } });
    expect(result.explicitAcks).toHaveLength(1);
    expect(await storedSpans([traceId])).toHaveLength(1);
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]).toMatchObject({ delaySeconds: 60, contentType: "json", body: { type: "langfuse.forward" } });

    // The queued forward: retried while Langfuse stays down, acknowledged once it takes it.
    const forward = queue.sent[0]?.body;
    const down = await consume(telemetryQueueName, [forward], { env: langfuseEnv(queue.queue), deps: { fetch: recordingFetch(502).fetch } });
    expect(down.result.retryMessages.map((m) => m.msgId)).toEqual(down.ids);
    const up = recordingFetch(200);
    const back = await consume(telemetryQueueName, [forward], { env: langfuseEnv(queue.queue), deps: { fetch: up.fetch } });
    expect(back.result.explicitAcks).toEqual(back.ids);
    expect(up.requests).toHaveLength(1);
    expect(await storedSpans([traceId])).toHaveLength(1);
  });

  it("drops spans Langfuse refuses (retrying cannot help) and never forwards when not configured", async () => {
    const queue = recordingQueue();
    const refused = await consume(telemetryQueueName, [spansMessage([otlpSpan({ attributes: { "gen_ai.request.model": "m" } })])], { env: langfuseEnv(queue.queue), deps: { fetch: recordingFetch(401).fetch } });
    expect(refused.result.explicitAcks).toHaveLength(1);
    expect(queue.calls).toBe(0);

    const http = recordingFetch(200);
    await consume(telemetryQueueName, [spansMessage([otlpSpan({ attributes: { "gen_ai.request.model": "m" } })])], { deps: { fetch: http.fetch } });
    expect(http.requests).toHaveLength(0);
  });
});
