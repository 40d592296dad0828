// The agent-tests queue's wire format: a test run announced by its id. The consumer reads the run's
// row (its cases were snapshotted when it was made), so nothing of a test's content travels on the
// queue, and a message delivered twice resumes the run where its stored results end.
import { z } from "zod";
import { idSchema } from "@speaknode/contracts";
import type { WorkerEnv } from "../env.ts";

export const AgentTestsMessage = z.strictObject({ runId: idSchema("agentTestRun") });
export type AgentTestsMessage = z.infer<typeof AgentTestsMessage>;

export const agentTestsQueueBinding = "AGENT_TESTS_QUEUE";
/** The queue's name as wrangler.toml declares it; the Worker's `queue` handler dispatches on it. */
export const agentTestsQueueName = "speaknode-agent-tests";
export const agentTestsDeadLetterQueueName = "speaknode-agent-tests-dlq";
/** wrangler.toml's max_retries of the consumer: a run whose handling threw this often is dead-lettered. */
export const agentTestsMaxRetries = 3;

export const isAgentTestsQueue = (queue: string) => queue === agentTestsQueueName || queue === agentTestsDeadLetterQueueName;

export function agentTestsQueue(env: WorkerEnv): Queue<AgentTestsMessage> {
  const queue = env[agentTestsQueueBinding] as Queue<AgentTestsMessage> | undefined;
  if (!queue || typeof queue.send !== "function") throw new Error(`the ${agentTestsQueueBinding} queue binding is missing`);
  return queue;
}

export async function enqueueTestRun(env: WorkerEnv, runId: string): Promise<void> {
  await agentTestsQueue(env).send({ runId });
}
