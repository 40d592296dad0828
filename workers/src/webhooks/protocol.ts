// The webhooks queue's wire format. A domain event is announced by its id alone ({ kind: "fanout" },
// packages/db/src/events.ts); the consumer creates one delivery per subscribed endpoint and each
// attempt of a delivery is its own message ({ kind: "deliver" }), sent with the retry schedule's
// delay. Nothing personal travels on the queue: the consumer reads the rows.
import { WebhooksMessage, type WebhooksMessage as Message } from "@speaknode/contracts";
import { webhooksQueueBinding } from "@speaknode/db";
import type { WorkerEnv } from "../env.ts";

export { WebhooksMessage, webhooksQueueBinding };

/** The queue's name as wrangler.toml declares it; the Worker's `queue` handler dispatches on it. */
export const webhooksQueueName = "speaknode-webhooks";
/** wrangler.toml's max_retries of the consumer. A message retries only when the consumer itself
 *  failed (the database, say); an endpoint's failures are new messages on the schedule. */
export const webhooksMaxRetries = 3;
/** Cloudflare Queues' longest delivery delay (12 h); longer waits are left to the cron sweep. */
export const maxQueueDelayS = 43_200;

export const isWebhooksQueue = (queue: string) => queue === webhooksQueueName;

export function webhooksQueue(env: WorkerEnv): Queue<Message> {
  const queue = env[webhooksQueueBinding] as Queue<Message> | undefined;
  if (!queue || typeof queue.send !== "function") throw new Error(`the ${webhooksQueueBinding} queue binding is missing`);
  return queue;
}

/** Asks for one attempt of a delivery, now or after `delaySeconds` (capped at the queue's 12 h). */
export async function enqueueDeliver(env: WorkerEnv, deliveryId: string, trigger: Extract<Message, { kind: "deliver" }>["trigger"], delaySeconds = 0): Promise<void> {
  const delay = Math.max(0, Math.min(maxQueueDelayS, Math.round(delaySeconds)));
  await webhooksQueue(env).send({ kind: "deliver", deliveryId, trigger }, delay > 0 ? { delaySeconds: delay } : undefined);
}
