// The agent-tests queue's consumer: each message executes (or resumes) one run. A consumer has a
// wall-clock budget, so a long run stops starting cases after 10 minutes and is sent again to
// resume where its stored results end. A thrown error is the platform's (the database): retried,
// then dead-lettered; the dead-letter consumer ends the run `error` so nobody waits on it forever.
import { and, eq, inArray } from "drizzle-orm";
import { agentTestRuns, createDatabase, type Database, type DatabaseHandle } from "@speaknode/db";
import { readConfig, type Config } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";
import { executeRun } from "./execute.ts";
import { agentTestsDeadLetterQueueName, AgentTestsMessage, enqueueTestRun } from "./protocol.ts";
import { caseRunnerFor, type RunCase } from "./runtime-client.ts";
import type { WorkerEnv } from "../env.ts";

export { isAgentTestsQueue } from "./protocol.ts";

export interface AgentTestsConsumerDeps {
  database: (config: Config) => DatabaseHandle;
  runCase: RunCase;
  /** Wall-clock budget of one message before the run is re-sent to resume. */
  budgetMs: number;
}

const openDatabase = (config: Config) => createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 3 });
const defaultBudgetMs = 10 * 60_000;
const retryDelayS = (attempts: number) => Math.min(300, 15 * 2 ** Math.max(0, attempts - 1));

/** A run given up on: ends `error` (unless it ended meanwhile). */
export async function abandonRun(db: Database, runId: string, reason: string): Promise<void> {
  await db
    .update(agentTestRuns)
    .set({ status: "error", reason, finishedAt: new Date() })
    .where(and(eq(agentTestRuns.id, runId), inArray(agentTestRuns.status, ["queued", "running"])));
}

export async function handleAgentTestsBatch(batch: MessageBatch<unknown>, env: WorkerEnv, ctx: ExecutionContext, deps: Partial<AgentTestsConsumerDeps> = {}): Promise<void> {
  const config = readConfig(env);
  const handle = (deps.database ?? openDatabase)(config);
  const runCase = deps.runCase ?? caseRunnerFor(config);
  const deadLetters = batch.queue === agentTestsDeadLetterQueueName;
  try {
    for (const msg of batch.messages) {
      const parsed = AgentTestsMessage.safeParse(msg.body);
      if (!parsed.success) {
        log.warn("agent tests: unreadable queue message dropped", { messageId: msg.id });
        msg.ack();
        continue;
      }
      const { runId } = parsed.data;
      try {
        if (deadLetters) {
          log.warn("agent tests: run dead-lettered", { runId });
          await abandonRun(handle.db, runId, "the run could not be executed: its queue message failed every retry");
        } else {
          const result = await executeRun({ db: handle.db, secretsKey: config.secretsKey, runCase, stopStartingAtMs: Date.now() + (deps.budgetMs ?? defaultBudgetMs) }, runId);
          if (result.kind === "paused") await enqueueTestRun(env, runId);
        }
        msg.ack();
      } catch (err) {
        log.error("agent tests: queue message failed; retrying", { runId, attempts: msg.attempts, ...errorFields(err) });
        msg.retry({ delaySeconds: retryDelayS(msg.attempts) });
      }
    }
  } finally {
    ctx.waitUntil(handle.close().catch(() => undefined));
  }
}
