// The analysis queue's wire format. A finished session whose agent asks for post-call analysis is
// announced by its id alone after the SessionRoom's terminal write commits; the consumer
// (consumer.ts) reads the row, its transcript and tool calls. Nothing personal travels on the queue.
import { idSchema } from "@speaknode/contracts";
import { z } from "zod";
import type { WorkerEnv } from "../env.ts";

export const AnalysisMessage = z.object({ sessionId: idSchema("session") });
export type AnalysisMessage = z.infer<typeof AnalysisMessage>;

/** The producer binding in wrangler.toml. */
export const analysisQueueBinding = "ANALYSIS_QUEUE";
/** The queue's and its dead-letter queue's names as wrangler.toml declares them. */
export const analysisQueueName = "speaknode-analysis";
export const analysisDeadLetterQueueName = "speaknode-analysis-dlq";
/** Tries of one session's analysis before it is recorded failed. wrangler.toml's max_retries is one
 *  more, so a consumer that crashed on the last try (the database away) still gets a delivery; a
 *  message past even that lands in the dead-letter queue, whose consumer records the failure. */
export const analysisMaxAttempts = 3;

export const isAnalysisQueue = (queue: string) => queue === analysisQueueName || queue === analysisDeadLetterQueueName;

export function analysisQueue(env: WorkerEnv): Pick<Queue<AnalysisMessage>, "send" | "sendBatch"> | null {
  const queue = env[analysisQueueBinding] as Queue<AnalysisMessage> | undefined;
  return queue && typeof queue.send === "function" ? queue : null;
}

/** Seconds before the next try: 30 s, 120 s. */
export const analysisRetryDelayS = (attempts: number) => 30 * 4 ** Math.max(0, attempts - 1);
