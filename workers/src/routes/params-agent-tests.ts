import { z } from "@hono/zod-openapi";
import { idSchema } from "@speaknode/contracts";

export const TestCaseParams = z.object({ agentId: idSchema("agent"), caseId: idSchema("agentTestCase") });
export const TestRunParams = z.object({ agentId: idSchema("agent"), runId: idSchema("agentTestRun") });
