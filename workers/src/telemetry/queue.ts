// The telemetry queue's producer side: the binding, and sending packed messages within the
// per-call limits of sendBatch. Messages are JSON (not the default V8 serialisation) so their
// size is the size we measured when packing them.
import { telemetryQueueBinding, type TelemetryMessage } from "@speaknode/contracts";
import { sendBatches } from "./normalize.ts";
import type { WorkerEnv } from "../env.ts";

export function telemetryQueue(env: WorkerEnv): Queue<TelemetryMessage> {
  const queue = env[telemetryQueueBinding] as Queue<TelemetryMessage> | undefined;
  if (!queue || typeof queue.sendBatch !== "function") throw new Error(`the ${telemetryQueueBinding} queue binding is missing`);
  return queue;
}

/** Sends every message; rejects when a call fails (others may already be queued: consumers are idempotent). */
export async function sendMessages(queue: Queue<TelemetryMessage>, messages: { body: TelemetryMessage; bytes: number }[], delaySeconds?: number): Promise<void> {
  await Promise.all(sendBatches(messages).map((batch) => queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const, ...(delaySeconds ? { delaySeconds } : {}) })))));
}
