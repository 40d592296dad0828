// The cron's safety net for webhooks: an event still not fanned out a minute after it happened (its
// announcement lost: a crash between the commit and the queue) is fanned out here, and a pending
// delivery whose attempt is overdue by two minutes (its message lost, or enqueueing it failed) is
// enqueued again. Both are idempotent: fan-out creates each delivery once, and an attempt is
// claimed, so a message sent twice makes one attempt. Each run takes a bounded number of rows.
import { and, asc, eq, isNull, lt } from "drizzle-orm";
import { createDatabase, domainEvents, webhookDeliveries, type Database } from "@speaknode/db";
import { readConfig } from "../config.ts";
import { log } from "../lib/log.ts";
import { enqueueFirstAttempts } from "./consumer.ts";
import { fanOutEvent } from "./fanout.ts";
import type { WorkerEnv } from "../env.ts";

export const unannouncedAfterMs = 60_000;
export const overdueAfterMs = 2 * 60_000;
export const sweepEventBatch = 50;
export const sweepDeliveryBatch = 200;

export interface SweepResult {
  fannedOut: number;
  deliveries: number;
  overdue: number;
}

export async function sweepWebhooks(db: Database, env: WorkerEnv, now: Date): Promise<SweepResult> {
  const events = await db
    .select({ id: domainEvents.id })
    .from(domainEvents)
    .where(and(isNull(domainEvents.fannedOutAt), lt(domainEvents.occurredAt, new Date(now.getTime() - unannouncedAfterMs))))
    .orderBy(asc(domainEvents.occurredAt))
    .limit(sweepEventBatch);
  const created: string[] = [];
  for (const e of events) created.push(...(await fanOutEvent(db, e.id, now)));
  const overdue = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, "pending"), lt(webhookDeliveries.nextAttemptAt, new Date(now.getTime() - overdueAfterMs))))
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(sweepDeliveryBatch);
  await enqueueFirstAttempts(env, [...created, ...overdue.map((d) => d.id)]);
  return { fannedOut: events.length, deliveries: created.length, overdue: overdue.length };
}

/** The cron's part (workers/src/index.ts `scheduled`). */
export async function runScheduledWebhookSweep(env: WorkerEnv, at: Date = new Date()): Promise<SweepResult> {
  const config = readConfig(env);
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    const result = await sweepWebhooks(handle.db, env, at);
    if (result.fannedOut + result.overdue > 0) log.info("webhooks: sweep enqueued deliveries", { ...result });
    return result;
  } finally {
    await handle.close();
  }
}
