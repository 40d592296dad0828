// The billing queue's consumer (BILLING_DRIVER=lago): each message names a session whose usage row
// is sent to Lago as one event. Idempotent end to end: a row already sent is acked; Lago answers a
// transaction_id it already has with 422 `value_already_exist`, which counts as sent. Each try is
// recorded on the row (attempts, last error); a failure Lago may get over (unreachable, timeout,
// 408, 429, 5xx) is retried with a growing delay, any other is acked and left unsent for the cron
// sweep (sweep.ts) — by then an operator may have fixed what Lago refused.
import { eq, sql } from "drizzle-orm";
import { createDatabase, usageRecords, type Database } from "@speaknode/db";
import type { LagoConfig } from "../../config.ts";
import { readConfig } from "../../config.ts";
import { errorFields, log } from "../../lib/log.ts";
import { BillingUsageMessage, billingMaxRetries } from "../protocol.ts";
import { LagoApiError, lagoClient, type LagoClient } from "./client.ts";
import { ensureLagoSubscription } from "./sync.ts";
import type { WorkerEnv } from "../../env.ts";

export type UsageSendOutcome =
  | { kind: "sent" | "duplicate" | "already_sent" | "gone" }
  | { kind: "failed"; retryable: boolean; error: string };

/** Seconds before the next delivery: 10 s, 20 s, 40 s … at most an hour. */
export function billingRetryDelayS(attempts: number): number {
  return Math.min(3600, 10 * 2 ** Math.max(0, attempts - 1));
}

/** Sends one session's usage row to Lago and records the try on the row. */
export async function sendUsageToLago(db: Database, client: LagoClient, lago: Pick<LagoConfig, "metricCode">, sessionId: string, defaultPlanCode: string): Promise<UsageSendOutcome> {
  const [usage] = await db.select().from(usageRecords).where(eq(usageRecords.sessionId, sessionId));
  if (!usage) return { kind: "gone" };
  if (usage.lagoSentAt) return { kind: "already_sent" };
  try {
    await ensureLagoSubscription(db, client, usage.spaceId, defaultPlanCode);
    const result = await client.sendUsage(usage, lago.metricCode);
    await db
      .update(usageRecords)
      .set({ lagoSentAt: new Date(), lagoAttempts: sql`${usageRecords.lagoAttempts} + 1`, lagoLastError: null })
      .where(eq(usageRecords.sessionId, sessionId));
    return { kind: result };
  } catch (err) {
    if (!(err instanceof LagoApiError)) throw err;
    const error = `${err.status || "unreachable"}: ${err.message}`.slice(0, 500);
    await db
      .update(usageRecords)
      .set({ lagoAttempts: sql`${usageRecords.lagoAttempts} + 1`, lagoLastError: error })
      .where(eq(usageRecords.sessionId, sessionId));
    return { kind: "failed", retryable: err.retryable, error };
  }
}

/** The batch's messages one by one, each acked or retried on its own. */
export async function consumeBillingMessages(db: Database, client: LagoClient, lago: LagoConfig, defaultPlanCode: string, messages: readonly Message<unknown>[]): Promise<void> {
  for (const msg of messages) {
    const parsed = BillingUsageMessage.safeParse(msg.body);
    if (!parsed.success) {
      // It would fail the same way every time; the sweep finds the row if there is one.
      log.warn("billing: unreadable queue message dropped", { messageId: msg.id });
      msg.ack();
      continue;
    }
    const { sessionId } = parsed.data;
    try {
      const outcome = await sendUsageToLago(db, client, lago, sessionId, defaultPlanCode);
      if (outcome.kind === "failed" && outcome.retryable && msg.attempts <= billingMaxRetries) {
        log.warn("billing: usage event not accepted by Lago; retrying", { sessionId, attempts: msg.attempts, pii: { error: outcome.error } });
        msg.retry({ delaySeconds: billingRetryDelayS(msg.attempts) });
        continue;
      }
      if (outcome.kind === "failed") log.warn("billing: usage event refused by Lago; left for the sweep", { sessionId, attempts: msg.attempts, pii: { error: outcome.error } });
      msg.ack();
    } catch (err) {
      log.error("billing: usage event failed; retrying", { sessionId, attempts: msg.attempts, ...errorFields(err) });
      msg.retry({ delaySeconds: billingRetryDelayS(msg.attempts) });
    }
  }
}

export interface BillingConsumerDeps {
  database: (url: string, localProxy: string | undefined) => { db: Database; close: () => Promise<void> };
  client: (lago: LagoConfig) => LagoClient;
}

export async function handleBillingBatch(batch: MessageBatch<unknown>, env: WorkerEnv, ctx: ExecutionContext, deps: Partial<BillingConsumerDeps> = {}): Promise<void> {
  const config = readConfig(env);
  const driver = config.billing.driver;
  if (driver.name !== "lago") {
    // Messages queued before a switch back to the ledger: nothing to send them to.
    log.warn("billing: queue messages without the Lago driver dropped", { count: batch.messages.length });
    batch.ackAll();
    return;
  }
  const handle = (deps.database ?? ((url, localProxy) => createDatabase({ url, localProxy, max: 2 })))(config.databaseUrl, config.dbLocalProxy);
  try {
    await consumeBillingMessages(handle.db, (deps.client ?? lagoClient)(driver.lago), driver.lago, config.billing.defaultPlan, batch.messages);
  } finally {
    ctx.waitUntil(handle.close().catch(() => undefined));
  }
}
