// The webhooks queue's consumer. `fanout`: the event's deliveries are created (fanout.ts) and a
// first attempt of each is enqueued. `deliver`: one attempt (deliver.ts), which enqueues the next
// one itself when the schedule has one. A batch's messages run concurrently (one slow endpoint must
// not hold the others up). An unreadable message would fail the same way every time: acked with a
// warning. A thrown error is the platform's (the database is down): the message is retried later;
// an endpoint's failures never throw, they are attempts.
import { createDatabase, type DatabaseHandle } from "@speaknode/db";
import { readConfig, type Config } from "../config.ts";
import { deliverOutbox } from "../email/delivery.ts";
import { errorFields, log } from "../lib/log.ts";
import { attemptDelivery, type DeliverDeps } from "./deliver.ts";
import { fanOutEvent } from "./fanout.ts";
import { webhooksQueue, WebhooksMessage } from "./protocol.ts";
import type { WorkerEnv } from "../env.ts";

export interface WebhooksConsumerDeps {
  database: (config: Config) => DatabaseHandle;
  fetchImpl: typeof fetch;
  now: () => Date;
}

const openDatabase = (config: Config) => createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 5 });
/** Seconds before a message whose handling threw is tried again: 10 s, 20 s, 40 s … */
export const consumerRetryDelayS = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1));

/** Enqueues the first attempt of each new delivery (Queue.sendBatch takes 100 at most). */
export async function enqueueFirstAttempts(env: WorkerEnv, deliveryIds: readonly string[]): Promise<void> {
  const queue = webhooksQueue(env);
  for (let i = 0; i < deliveryIds.length; i += 100) {
    await queue.sendBatch(deliveryIds.slice(i, i + 100).map((deliveryId) => ({ body: { kind: "deliver" as const, deliveryId, trigger: "auto" as const } })));
  }
}

export async function handleWebhooksBatch(batch: MessageBatch<unknown>, env: WorkerEnv, ctx: ExecutionContext, deps: Partial<WebhooksConsumerDeps> = {}): Promise<void> {
  const config = readConfig(env);
  const handle = (deps.database ?? openDatabase)(config);
  const deliverDeps: DeliverDeps = { db: handle.db, config, env, ...(deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {}), ...(deps.now ? { now: deps.now } : {}) };
  const emailIds: string[] = [];
  try {
    await Promise.all(
      batch.messages.map(async (msg) => {
        const parsed = WebhooksMessage.safeParse(msg.body);
        if (!parsed.success) {
          log.warn("webhooks: unreadable queue message dropped", { messageId: msg.id });
          msg.ack();
          return;
        }
        const message = parsed.data;
        try {
          if (message.kind === "fanout") {
            const ids = await fanOutEvent(handle.db, message.eventId, deps.now?.());
            // Lost if this throws after the commit: the sweep enqueues deliveries overdue by 2 minutes.
            await enqueueFirstAttempts(env, ids);
          } else {
            const outcome = await attemptDelivery(deliverDeps, message.deliveryId, message.trigger);
            if (outcome.kind === "attempted") emailIds.push(...outcome.emailIds);
          }
          msg.ack();
        } catch (err) {
          log.error("webhooks: queue message failed; retrying", { messageId: msg.id, kind: message.kind, attempts: msg.attempts, ...errorFields(err) });
          msg.retry({ delaySeconds: consumerRetryDelayS(msg.attempts) });
        }
      }),
    );
  } finally {
    ctx.waitUntil(handle.close().catch(() => undefined));
  }
  // An endpoint disabled for failing: its Owners' emails go now; the cron's outbox drain retries.
  if (emailIds.length > 0) {
    ctx.waitUntil(deliverOutbox(env, { ids: emailIds }).then(() => undefined, (err: unknown) => log.error("webhooks: disable email delivery failed; the cron retries it", errorFields(err))));
  }
}
