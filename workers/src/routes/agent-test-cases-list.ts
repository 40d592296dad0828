// GET /v1/agents/{agentId}/test-cases: the agent's test cases, oldest first, for every member.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listOf, TestCase } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { listTestCases, toTestCase } from "../agent-tests/store.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/test-cases",
  tags: ["agent-tests"],
  summary: "An agent's test cases (scripted or simulated callers, tool mocks, expectations), oldest first",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 200: jsonResponse(listOf(TestCase), "The test cases"), ...errorResponses },
});

export function registerAgentTestCasesList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const rows = await listTestCases(c.get("db"), row.id);
    return c.json({ data: rows.map(toTestCase) }, 200);
  });
}
