// GET /v1/agents/{agentId}/test-cases/{caseId}: one test case, for every member.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { TestCase } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { loadTestCase, toTestCase } from "../agent-tests/store.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { TestCaseParams } from "./params-agent-tests.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/test-cases/{caseId}",
  tags: ["agent-tests"],
  summary: "One test case of an agent",
  security: bearerSecurity,
  request: { params: TestCaseParams },
  responses: { 200: jsonResponse(TestCase, "The test case"), ...errorResponses },
});

export function registerAgentTestCasesGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId, caseId } = c.req.valid("param");
    const { row } = await loadAgent(c, agentId);
    return c.json(toTestCase(await loadTestCase(c.get("db"), row.id, caseId)), 200);
  });
}
