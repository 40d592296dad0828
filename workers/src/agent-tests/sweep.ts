// The cron's safety net for test runs: a run still `queued` ten minutes after it was made (its
// message lost), or `running` with no result stored for ten minutes (its consumer gone), is sent
// again. Executing is idempotent (stored results are skipped), so a run sent twice does no case twice
// once a result is stored. A run six hours old and still not finished is given up on (`error`).
import { and, asc, eq, inArray, lt, max, or, sql } from "drizzle-orm";
import { agentTestResults, agentTestRuns, createDatabase, type Database } from "@speaknode/db";
import { readConfig } from "../config.ts";
import { log } from "../lib/log.ts";
import { abandonRun } from "./consumer.ts";
import { enqueueTestRun } from "./protocol.ts";
import type { WorkerEnv } from "../env.ts";

export const stuckAfterMs = 10 * 60_000;
export const abandonAfterMs = 6 * 60 * 60_000;
export const sweepRunBatch = 50;

export interface TestRunSweepResult {
  requeued: number;
  abandoned: number;
}

export async function sweepTestRuns(db: Database, env: WorkerEnv, now: Date): Promise<TestRunSweepResult> {
  const stuckBefore = new Date(now.getTime() - stuckAfterMs);
  const lastResult = db
    .select({ runId: agentTestResults.runId, at: max(agentTestResults.createdAt).as("last_at") })
    .from(agentTestResults)
    .groupBy(agentTestResults.runId)
    .as("last_result");
  const rows = await db
    .select({ id: agentTestRuns.id, createdAt: agentTestRuns.createdAt })
    .from(agentTestRuns)
    .leftJoin(lastResult, eq(lastResult.runId, agentTestRuns.id))
    .where(
      and(
        inArray(agentTestRuns.status, ["queued", "running"]),
        lt(agentTestRuns.createdAt, stuckBefore),
        or(eq(agentTestRuns.status, "queued"), sql`coalesce(${lastResult.at}, ${agentTestRuns.startedAt}, ${agentTestRuns.createdAt}) < ${stuckBefore.toISOString()}::timestamptz`),
      ),
    )
    .orderBy(asc(agentTestRuns.createdAt))
    .limit(sweepRunBatch);
  let requeued = 0;
  let abandoned = 0;
  for (const row of rows) {
    if (row.createdAt.getTime() < now.getTime() - abandonAfterMs) {
      await abandonRun(db, row.id, "the run did not finish within 6 hours");
      abandoned++;
    } else {
      await enqueueTestRun(env, row.id);
      requeued++;
    }
  }
  return { requeued, abandoned };
}

/** The cron's part (workers/src/index.ts `scheduled`). */
export async function runScheduledTestRunSweep(env: WorkerEnv, at: Date = new Date()): Promise<TestRunSweepResult> {
  const config = readConfig(env);
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    const result = await sweepTestRuns(handle.db, env, at);
    if (result.requeued + result.abandoned > 0) log.info("agent tests: sweep re-sent stuck runs", { ...result });
    return result;
  } finally {
    await handle.close();
  }
}
