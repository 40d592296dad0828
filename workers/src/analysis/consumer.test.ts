// The analysis queue's consumer with the runtime faked: a pending session's request built from the
// agent version and the stored conversation, the result stored with call.analysis.ready emitted and
// announced once; a failing answer retried until the third try, then failed with the reason; a
// replayed message doing nothing; the dead-letter queue and the cron sweep.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, sessions, type DatabaseHandle } from "@speaknode/db";
import { makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { eventsKeyed, parsedData } from "../webhooks/events/testing.ts";
import { handleAnalysisBatch } from "./consumer.ts";
import { analysisDeadLetterQueueName, analysisQueueName } from "./protocol.ts";
import type { AnalysisCallResult } from "./runtime-client.ts";
import { sweepPendingAnalyses } from "./sweep.ts";
import { analysisAgent, analysisSettings, endedSession, fakeAnalyser, goodResponse } from "./testing.ts";
import { fakeEnv } from "../../test/fake-env.ts";

let handle: DatabaseHandle;
let world: World;
let agentId: string;
beforeAll(async () => {
  handle = createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 2 });
  world = await makeWorld();
  agentId = await analysisAgent(world);
});
afterAll(() => handle.close());

const rowOf = async (sessionId: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId))))[0]!;

let seq = 0;
/** One delivery of a message for the session through the consumer, with the runtime faked; the announced event ids recorded. */
async function consume(sessionId: string, analyser: ReturnType<typeof fakeAnalyser>, opts: { queue?: string; attempts?: number } = {}) {
  const announced: string[] = [];
  const webhooks = { sendBatch: async (msgs: Iterable<{ body: { eventId: string } }>) => void [...msgs].forEach((m) => announced.push(m.body.eventId)) };
  const batch = createMessageBatch(opts.queue ?? analysisQueueName, [{ id: `msg-${++seq}`, timestamp: new Date(), attempts: opts.attempts ?? 1, body: { sessionId } }]);
  const ctx = createExecutionContext();
  await handleAnalysisBatch(batch, fakeEnv({ ...env, WEBHOOKS_QUEUE: webhooks }), ctx, { analyse: analyser.analyse, database: () => ({ db: handle.db, close: async () => undefined }) });
  return { result: await getQueueResult(batch, ctx), announced };
}

const unusable: AnalysisCallResult = { ok: false, retryable: true, reason: "No answer of the model fitted the analysis after 3 attempts: /data/topic: not in enum (analysis_unusable)" };

describe("the analysis consumer", () => {
  it("sends the agent version's settings and LLM with the conversation, stores the result and emits call.analysis.ready once", async () => {
    const { sessionId } = await endedSession(world, agentId);
    const analyser = fakeAnalyser({ ok: true, response: goodResponse });
    const { result, announced } = await consume(sessionId, analyser);
    expect(result.explicitAcks).toHaveLength(1);
    const [request] = analyser.requests;
    expect(request).toMatchObject({
      sessionId,
      agentId,
      llm: { provider: "openai-compatible", model: "gpt-4o-mini" },
      providerAccess: { credentials: [] },
      settings: { summaryPrompt: analysisSettings.summaryPrompt, success: { kind: "score", passScore: 7 } },
      language: "en-US",
      transcript: [
        { role: "agent", text: "Hi, how can I help?" },
        { role: "user", text: "Where is my order 42?" },
        { role: "agent", text: "It ships tomorrow." },
      ],
      toolCalls: [],
      endReason: "caller_hung_up",
    });
    expect(await rowOf(sessionId)).toMatchObject({
      analysisStatus: "completed",
      analysisResult: goodResponse.output,
      analysisPassed: true,
      analysisScore: 8,
      analysisModel: "openai-compatible/gpt-4o-mini",
      analysisAttempts: 1,
      analysisReason: null,
    });
    const [event, ...more] = await eventsKeyed(`call.analysis.ready:${sessionId}`);
    expect(more).toEqual([]);
    expect(announced).toEqual([event!.id]);
    expect(parsedData(event!)).toMatchObject({
      sessionId,
      agentId,
      campaignId: null,
      campaignItemId: null,
      analysis: { status: "completed", reason: null, result: goodResponse.output, attempts: 1, model: "openai-compatible/gpt-4o-mini" },
    });

    // Replayed: nothing is asked, stored or emitted again.
    const replay = await consume(sessionId, analyser);
    expect(replay.result.explicitAcks).toHaveLength(1);
    expect(replay.announced).toEqual([]);
    expect(analyser.requests).toHaveLength(1);
    expect(await eventsKeyed(`call.analysis.ready:${sessionId}`)).toHaveLength(1);
  });

  it("retries an unusable answer, then records failed with the reason on the third try", async () => {
    const { sessionId } = await endedSession(world, agentId);
    const analyser = fakeAnalyser(unusable);
    const first = await consume(sessionId, analyser, { attempts: 1 });
    const second = await consume(sessionId, analyser, { attempts: 2 });
    expect(first.result.retryMessages).toHaveLength(1);
    expect(second.result.retryMessages).toHaveLength(1);
    expect(await rowOf(sessionId)).toMatchObject({ analysisStatus: "pending", analysisAttempts: 2 });
    expect(await eventsKeyed(`call.analysis.ready:${sessionId}`)).toEqual([]);

    const third = await consume(sessionId, analyser, { attempts: 3 });
    expect(third.result.explicitAcks).toHaveLength(1);
    const row = await rowOf(sessionId);
    expect(row).toMatchObject({ analysisStatus: "failed", analysisAttempts: 3, analysisResult: null, analysisPassed: null });
    expect(row.analysisReason).toContain("failed after 3 attempts");
    expect(row.analysisReason).toContain("analysis_unusable");
    const [event] = await eventsKeyed(`call.analysis.ready:${sessionId}`);
    expect(third.announced).toEqual([event!.id]);
    expect(parsedData(event!)).toMatchObject({ analysis: { status: "failed", result: null, attempts: 3, reason: row.analysisReason } });
  });

  it("records failed at once when the runtime refuses for good (the scripted LLM)", async () => {
    const { sessionId } = await endedSession(world, agentId);
    const analyser = fakeAnalyser({ ok: false, retryable: false, reason: "Analysis needs a real LLM (analysis_not_supported)" });
    const { result } = await consume(sessionId, analyser);
    expect(result.retryMessages).toEqual([]);
    expect(await rowOf(sessionId)).toMatchObject({ analysisStatus: "failed", analysisAttempts: 1 });
  });

  it("records failed from the dead-letter queue", async () => {
    const { sessionId } = await endedSession(world, agentId);
    const analyser = fakeAnalyser();
    const { announced } = await consume(sessionId, analyser, { queue: analysisDeadLetterQueueName });
    expect(analyser.requests).toEqual([]);
    expect((await rowOf(sessionId)).analysisStatus).toBe("failed");
    expect(announced).toHaveLength(1);
  });
});

describe("the analysis sweep", () => {
  it("queues again a session pending over five minutes, and gives up on one that had all its tries", async () => {
    const waiting = await endedSession(world, agentId);
    const exhausted = await endedSession(world, agentId);
    const fresh = await endedSession(world, agentId);
    const now = new Date();
    const old = new Date(now.getTime() - 6 * 60_000);
    await withDb(async (db) => {
      await db.update(sessions).set({ analysisRequestedAt: old }).where(eq(sessions.id, waiting.sessionId));
      await db.update(sessions).set({ analysisRequestedAt: old, analysisAttempts: 3 }).where(eq(sessions.id, exhausted.sessionId));
    });
    const swept = await sweepPendingAnalyses(handle.db, now);
    expect(swept.requeued).toContain(waiting.sessionId);
    expect(swept.requeued).not.toContain(fresh.sessionId);
    expect(swept.requeued).not.toContain(exhausted.sessionId);
    expect(swept.failedEventIds).toHaveLength(1);
    expect(await rowOf(exhausted.sessionId)).toMatchObject({ analysisStatus: "failed" });
    // Queued again, it is not swept again for another five minutes.
    expect((await sweepPendingAnalyses(handle.db, now)).requeued).not.toContain(waiting.sessionId);
  });
});
