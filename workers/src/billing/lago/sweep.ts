// The cron's safety net for Lago usage events (BILLING_DRIVER=lago): a usage row still unsent ten
// minutes after it was recorded — its queue message lost, dropped after the last retry, or refused
// by Lago — is enqueued again. Sending is idempotent (the row's lago_sent_at, Lago's
// transaction_id), so a row enqueued twice is sent once. Rows that keep failing stop being swept
// after `sweepMaxAttempts` tries; their last error stays on the row for an operator.
import { and, asc, isNull, lt } from "drizzle-orm";
import { createDatabase, usageRecords, type Database } from "@speaknode/db";
import { readConfig } from "../../config.ts";
import { log } from "../../lib/log.ts";
import { billingQueue, type BillingUsageMessage } from "../protocol.ts";
import type { WorkerEnv } from "../../env.ts";

export const sweepAfterMs = 10 * 60_000;
export const sweepMaxAttempts = 50;
/** Queue.sendBatch takes at most 100 messages; one cron run sweeps at most this many rows. */
const sweepBatch = 100;

/** Session ids of the rows to enqueue again, oldest first. */
export async function unsentUsageIds(db: Database, now: Date): Promise<string[]> {
  const rows = await db
    .select({ sessionId: usageRecords.sessionId })
    .from(usageRecords)
    .where(and(isNull(usageRecords.lagoSentAt), lt(usageRecords.recordedAt, new Date(now.getTime() - sweepAfterMs)), lt(usageRecords.lagoAttempts, sweepMaxAttempts)))
    .orderBy(asc(usageRecords.recordedAt))
    .limit(sweepBatch);
  return rows.map((r) => r.sessionId);
}

export async function sweepUnsentUsage(db: Database, queue: Pick<Queue<BillingUsageMessage>, "sendBatch">, now: Date): Promise<number> {
  const ids = await unsentUsageIds(db, now);
  if (ids.length > 0) await queue.sendBatch(ids.map((sessionId) => ({ body: { kind: "usage" as const, sessionId }, contentType: "json" as const })));
  return ids.length;
}

/** The cron's part (workers/src/index.ts `scheduled`); nothing with the local ledger. */
export async function runScheduledLagoSweep(env: WorkerEnv, now: Date = new Date()): Promise<void> {
  const config = readConfig(env);
  if (config.billing.driver.name !== "lago") return;
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    const swept = await sweepUnsentUsage(handle.db, billingQueue(env), now);
    if (swept > 0) log.info("billing: unsent usage events enqueued again", { count: swept });
  } finally {
    await handle.close();
  }
}
