// Announcing sessions to analyse on the analysis queue, after the commit that made them pending.
// Never throws: a message that could not be sent leaves the session pending, and the cron sweep
// (sweep.ts) queues it again five minutes later.
import { errorFields, log } from "../lib/log.ts";
import { analysisQueue } from "./protocol.ts";
import type { WorkerEnv } from "../env.ts";

/** Sendbatch's limit. */
const batchLimit = 100;

export async function enqueueAnalysis(env: WorkerEnv, sessionIds: readonly string[]): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const queue = analysisQueue(env);
  if (!queue) {
    log.warn("analysis: no queue binding; pending sessions wait for the sweep", { count: sessionIds.length });
    return 0;
  }
  let sent = 0;
  for (let i = 0; i < sessionIds.length; i += batchLimit) {
    const ids = sessionIds.slice(i, i + batchLimit);
    try {
      await queue.sendBatch(ids.map((sessionId) => ({ body: { sessionId }, contentType: "json" as const })));
      sent += ids.length;
    } catch (err) {
      log.warn("analysis: queueing failed; the sweep will queue again", { count: ids.length, ...errorFields(err) });
    }
  }
  return sent;
}
