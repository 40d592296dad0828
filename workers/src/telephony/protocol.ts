// The telephony queue's wire format. A provider callback is stored in inbound_webhook_log first
// (webhook-log.ts); the queue carries only the log row's id, so a message is small, holds no
// personal data, and the consumer (consumer.ts) always reads the request exactly as it arrived.
// Versioned: a message of a version the consumer does not know goes to the dead-letter queue.
import { z } from "zod";
import { idSchema } from "@speaknode/contracts";
import type { WorkerEnv } from "../env.ts";

export const telephonyProtocolVersion = 1;

/** The producer binding in wrangler.toml. */
export const telephonyQueueBinding = "TELEPHONY_QUEUE";
/** Queue names as wrangler.toml declares them; the Worker's `queue` handler dispatches on them. */
export const telephonyQueueName = "speaknode-telephony";
export const telephonyDeadLetterQueueName = "speaknode-telephony-dlq";
/** wrangler.toml's max_retries of the telephony consumer: deliveries = retries + 1. */
export const telephonyMaxRetries = 5;

export const TelephonyMessage = z.strictObject({
  v: z.literal(telephonyProtocolVersion),
  /** `twilio.voice`: an inbound call's voice webhook, already answered at the edge; the consumer
   *  records its status (ringing) in the call's history like a status callback.
   *  `voximplant.event`: a call event the connection's VoxEngine scenario posted (voximplant/events.ts). */
  kind: z.enum(["twilio.status", "twilio.amd", "twilio.voice", "voximplant.event"]),
  /** inbound_webhook_log.id of the callback (iwh_…). */
  logId: idSchema("webhookLog"),
});
export type TelephonyMessage = z.infer<typeof TelephonyMessage>;

export const isTelephonyQueue = (queue: string) => queue === telephonyQueueName || queue === telephonyDeadLetterQueueName;

export function telephonyQueue(env: WorkerEnv): Queue<TelephonyMessage> {
  const queue = env[telephonyQueueBinding] as Queue<TelephonyMessage> | undefined;
  if (!queue || typeof queue.send !== "function") throw new Error(`the ${telephonyQueueBinding} queue binding is missing`);
  return queue;
}
