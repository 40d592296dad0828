// Delivering the outbox outside a request's critical path: right after the request that wrote a
// message (in its `waitUntil`, on a connection of its own, since the request's closes with it),
// and from the Worker's cron for every due row (first attempts a request could not finish,
// retries after their backoff).
import { createDatabase } from "@speaknode/db";
import type { Context } from "hono";
import { readConfig } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { errorFields, log } from "../lib/log.ts";
import { mailerFor } from "./index.ts";
import { defaultDeliveryPolicy, drainOutbox, type DrainOptions, type DrainResult } from "./outbox.ts";
import type { WorkerEnv } from "../env.ts";

export interface DeliveryDeps {
  /** Outbound HTTP of the provider; tests pass one that fails or hangs. */
  fetch?: typeof fetch | undefined;
}

/** One drain with the configured provider and attempt timeout; throws when the database fails. */
export async function deliverOutbox(env: WorkerEnv, options: DrainOptions = {}, deps: DeliveryDeps = {}): Promise<DrainResult> {
  const config = readConfig(env);
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    const result = await drainOutbox(handle.db, mailerFor(config, deps.fetch), { ...options, policy: { attemptTimeoutMs: config.emailAttemptTimeoutMs, ...options.policy } });
    if (result.sent + result.retrying + result.failed > 0) log.info("email outbox drained", { ...result });
    return result;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** After the response: delivers the messages this request wrote; the cron retries what fails here. */
export function deliverAfterResponse(c: Context<AppEnv>, emailIds: string[]): void {
  const delivery = deliverOutbox(c.env, { ids: emailIds }).then(
    () => undefined,
    (err: unknown) => log.error("email delivery after the request failed; the cron retries it", { requestId: c.get("requestId"), ...errorFields(err) }),
  );
  try {
    c.executionCtx.waitUntil(delivery);
  } catch {
    // No execution context (the app called directly, as some tests do): the delivery runs on its
    // own and never holds up the answer; the cron picks up whatever it leaves.
  }
}

/** Batches one cron run drains at most; what is left waits for the next run. */
const scheduledRounds = 8;

/** The cron's drain of every due message (wrangler.toml `[triggers]`); throws so a failed run shows. */
export async function runScheduledDelivery(env: WorkerEnv, deps: DeliveryDeps = {}): Promise<DrainResult> {
  const total: DrainResult = { sent: 0, retrying: 0, failed: 0 };
  try {
    for (let round = 0; round < scheduledRounds; round++) {
      const result = await deliverOutbox(env, {}, deps);
      total.sent += result.sent;
      total.retrying += result.retrying;
      total.failed += result.failed;
      // A batch that was not full was the last of what is due.
      if (result.sent + result.retrying + result.failed < defaultDeliveryPolicy.batchSize) break;
    }
    return total;
  } catch (err) {
    log.error("scheduled email delivery failed", errorFields(err));
    throw err;
  }
}
