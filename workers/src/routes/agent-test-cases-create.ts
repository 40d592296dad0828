// POST /v1/agents/{agentId}/test-cases: a member who may change the agent adds a test case; its
// mocks must name the agent's webhook tools, its language and variables fit the agent (400 with the
// field otherwise). An agent has at most 200 cases (409 past that).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateTestCaseBody, TestCase } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { loadAgent, toAgent } from "../agents/store.ts";
import { checkedTestCase, insertTestCase, maxCasesPerAgent, toTestCase } from "../agent-tests/store.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/test-cases",
  tags: ["agent-tests"],
  summary: "Add a test case to an agent",
  description: `Mocks answer the agent's webhook tools by code (system tools act on the simulated call); a mock naming a tool the agent does not have, a language it does not speak or variables that do not fit its schema are refused (400, with the field). At most ${maxCasesPerAgent} cases per agent (409).`,
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(CreateTestCaseBody) },
  responses: { 201: jsonResponse(TestCase, "The new test case"), ...errorResponses, 409: problemSpec(`The agent has ${maxCasesPerAgent} test cases already`) },
});

export function registerAgentTestCasesCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const db = c.get("db");
    await checkedTestCase(db, row.spaceId, toAgent(row), body);
    return c.json(toTestCase(await insertTestCase(db, row, body)), 201);
  });
}
