// The billing queue's wire format. With BILLING_DRIVER=lago, a session's usage record is written in
// the SessionRoom's transaction and then announced on this queue by its session id alone; the
// consumer (lago/consumer.ts) reads the row and sends Lago the usage event, idempotent on the
// session id (Lago's transaction_id). Nothing personal travels on the queue.
import { BillingUsageMessage } from "@speaknode/contracts";
import type { WorkerEnv } from "../env.ts";

export { BillingUsageMessage };

/** The producer binding in wrangler.toml. */
export const billingQueueBinding = "BILLING_QUEUE";
/** The queue's name as wrangler.toml declares it; the Worker's `queue` handler dispatches on it. */
export const billingQueueName = "speaknode-billing";
/** wrangler.toml's max_retries of the billing consumer: deliveries = retries + 1. A message that
 *  fails them all is dropped; its row stays unsent and the cron sweep (lago/sweep.ts) enqueues it again. */
export const billingMaxRetries = 10;

export const isBillingQueue = (queue: string) => queue === billingQueueName;

export function billingQueue(env: WorkerEnv): Queue<BillingUsageMessage> {
  const queue = env[billingQueueBinding] as Queue<BillingUsageMessage> | undefined;
  if (!queue || typeof queue.send !== "function") throw new Error(`the ${billingQueueBinding} queue binding is missing`);
  return queue;
}
