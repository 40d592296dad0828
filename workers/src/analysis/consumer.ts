// The analysis queue's consumer: each message names a session whose analysis is pending. The
// consumer counts the try on the row, builds the AnalysisRequest from the agent version that ran
// (its analysis settings, its LLM with the access a session of it gets: runtimeStages), the stored
// transcript and tool calls, and asks the voice runtime (runtime-client.ts). An answer completes
// the analysis; a failure another try may fix is retried with a growing delay until the third
// try, then (like one that will not heal) recorded `failed` with the reason. Either end emits
// call.analysis.ready, announced after its commit. A message for a session no longer pending
// (replayed, duplicated by the sweep) does nothing. The dead-letter queue's messages (the consumer
// itself kept failing) are recorded failed.
import { announceDomainEvents, createDatabase, type Database } from "@speaknode/db";
import { type AnalysisRequest } from "@speaknode/contracts";
import { readConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { runtimeStages } from "../providers/runtime-access.ts";
import { sessionAgentConfig } from "../runtime/config.ts";
import { AnalysisMessage, analysisDeadLetterQueueName, analysisMaxAttempts, analysisRetryDelayS } from "./protocol.ts";
import { runtimeAnalyser, type AnalyseSession } from "./runtime-client.ts";
import { conversationOf, finishAnalysis, loadSession, recordAttempt, type AnalysisOutcome, type SessionRow } from "./store.ts";
import type { WorkerEnv } from "../env.ts";

export { isAnalysisQueue } from "./protocol.ts";

export interface AnalysisDeps {
  db: Database;
  secretsKey: string;
  analyse: AnalyseSession;
  /** Announces the events a finished analysis emitted (the webhooks queue). */
  announce: (eventIds: string[]) => Promise<unknown>;
  now?: () => Date;
}

/** What became of one message: `retry` asks the queue for another delivery after the delay. */
export type AnalysisStep = { kind: "done"; status: "completed" | "failed" | "not_pending" } | { kind: "retry"; delayS: number };

const durationOf = (row: SessionRow) => (row.startedAt && row.endedAt ? Math.max(0, Math.round((row.endedAt.getTime() - row.startedAt.getTime()) / 1000)) : null);

/** The request, or why there is none (the agent or its version deleted since). */
async function buildRequest(deps: AnalysisDeps, row: SessionRow): Promise<AnalysisRequest | string> {
  let config;
  try {
    config = await sessionAgentConfig(deps.db, row);
  } catch (err) {
    if (err instanceof ApiError) return `Nothing to analyse with: ${err.message}.`;
    throw err;
  }
  const stages = await runtimeStages(deps.db, deps.secretsKey, row.spaceId, config);
  const conversation = await conversationOf(deps.db, row.id);
  return {
    sessionId: row.id,
    agentId: row.agentId ?? "",
    llm: stages.llm,
    providerAccess: stages.access,
    settings: config.analysis,
    language: row.language,
    ...conversation,
    endReason: row.endReason,
    durationSeconds: durationOf(row),
  };
}

async function finish(deps: AnalysisDeps, sessionId: string, outcome: AnalysisOutcome, now: Date): Promise<AnalysisStep> {
  const eventId = await finishAnalysis(deps.db, sessionId, outcome, now);
  if (eventId === null) return { kind: "done", status: "not_pending" };
  await deps.announce([eventId]);
  return { kind: "done", status: outcome.status };
}

/** One try of one session's analysis. Throws only on the database's failures (the message is retried). */
export async function analyseOne(deps: AnalysisDeps, sessionId: string): Promise<AnalysisStep> {
  const now = deps.now?.() ?? new Date();
  const row = await loadSession(deps.db, sessionId);
  if (!row || row.analysisStatus !== "pending") return { kind: "done", status: "not_pending" };
  if (row.analysisAttempts >= analysisMaxAttempts) {
    // Tried enough (the last try's answer was lost with its consumer): give up, as the sweep would.
    return finish(deps, sessionId, { status: "failed", reason: `The analysis did not finish after ${row.analysisAttempts} attempts.` }, now);
  }
  const attempts = await recordAttempt(deps.db, sessionId, now);
  if (attempts === null) return { kind: "done", status: "not_pending" };
  const request = await buildRequest(deps, row);
  if (typeof request === "string") return finish(deps, sessionId, { status: "failed", reason: request }, now);
  const result = await deps.analyse(request, { spaceId: row.spaceId });
  if (result.ok) return finish(deps, sessionId, { status: "completed", output: result.response.output, model: result.response.model }, deps.now?.() ?? new Date());
  const fields = { sessionId, agentId: row.agentId, attempts, retryable: result.retryable };
  if (result.retryable && attempts < analysisMaxAttempts) {
    log.warn("analysis: try failed; retrying", { ...fields, pii: { reason: result.reason } });
    return { kind: "retry", delayS: analysisRetryDelayS(attempts) };
  }
  log.warn("analysis: failed", { ...fields, pii: { reason: result.reason } });
  return finish(deps, sessionId, { status: "failed", reason: `The analysis failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${result.reason}` }, deps.now?.() ?? new Date());
}

/** A message the consumer could not handle after every delivery: the session's analysis is recorded failed. */
async function deadLetter(deps: AnalysisDeps, sessionId: string): Promise<void> {
  const row = await loadSession(deps.db, sessionId);
  if (!row || row.analysisStatus !== "pending") return;
  await finish(deps, sessionId, { status: "failed", reason: "The analysis could not be run (the consumer kept failing)." }, deps.now?.() ?? new Date());
}

/** The batch's messages at once (each waits on an LLM), each acked or retried on its own. */
export async function consumeAnalysisMessages(deps: AnalysisDeps, queue: string, messages: readonly Message<unknown>[]): Promise<void> {
  await Promise.all(
    messages.map(async (msg) => {
      const parsed = AnalysisMessage.safeParse(msg.body);
      if (!parsed.success) {
        // It would fail the same way every time; the sweep finds a pending session anyway.
        log.warn("analysis: unreadable queue message dropped", { messageId: msg.id });
        msg.ack();
        return;
      }
      const { sessionId } = parsed.data;
      try {
        if (queue === analysisDeadLetterQueueName) {
          await deadLetter(deps, sessionId);
          msg.ack();
          return;
        }
        const step = await analyseOne(deps, sessionId);
        if (step.kind === "retry") msg.retry({ delaySeconds: step.delayS });
        else msg.ack();
      } catch (err) {
        log.error("analysis: message failed; retrying", { sessionId, attempts: msg.attempts, ...errorFields(err) });
        msg.retry({ delaySeconds: analysisRetryDelayS(msg.attempts) });
      }
    }),
  );
}

export interface AnalysisConsumerDeps {
  database: (url: string, localProxy: string | undefined) => { db: Database; close: () => Promise<void> };
  analyse: AnalyseSession;
}

export async function handleAnalysisBatch(batch: MessageBatch<unknown>, env: WorkerEnv, ctx: ExecutionContext, deps: Partial<AnalysisConsumerDeps> = {}): Promise<void> {
  const config = readConfig(env);
  const handle = (deps.database ?? ((url, localProxy) => createDatabase({ url, localProxy, max: 2 })))(config.databaseUrl, config.dbLocalProxy);
  try {
    await consumeAnalysisMessages(
      { db: handle.db, secretsKey: config.secretsKey, analyse: deps.analyse ?? runtimeAnalyser(config.runtime), announce: (ids) => announceDomainEvents(env, ids) },
      batch.queue,
      batch.messages,
    );
  } finally {
    ctx.waitUntil(handle.close().catch(() => undefined));
  }
}
