// PATCH /v1/agents/{agentId}/test-cases/{caseId}: change some of a case's fields (each given field
// replaces the old one whole); the result is checked against the agent like a new case.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { CreateTestCaseBody, TestCase, UpdateTestCaseBody } from "@speaknode/contracts";
import { agentTestCases } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { loadAgent, toAgent } from "../agents/store.ts";
import { caseBodyOf, checkedTestCase, loadTestCase, specOf, toTestCase } from "../agent-tests/store.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { TestCaseParams } from "./params-agent-tests.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/agents/{agentId}/test-cases/{caseId}",
  tags: ["agent-tests"],
  summary: "Change a test case (each field given replaces the old one)",
  security: bearerSecurity,
  request: { params: TestCaseParams, body: jsonBody(UpdateTestCaseBody) },
  responses: { 200: jsonResponse(TestCase, "The updated test case"), ...errorResponses },
});

export function registerAgentTestCasesUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId, caseId } = c.req.valid("param");
    const patch = c.req.valid("json");
    const { row: agent } = await loadAgent(c, agentId);
    const db = c.get("db");
    const current = await loadTestCase(db, agent.id, caseId);
    const merged = CreateTestCaseBody.parse({ ...caseBodyOf(current), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) });
    await checkedTestCase(db, agent.spaceId, toAgent(agent), merged);
    const [saved] = await db
      .update(agentTestCases)
      .set({ name: merged.name, required: merged.required, spec: specOf(merged), updatedAt: new Date() })
      .where(and(eq(agentTestCases.id, caseId), eq(agentTestCases.agentId, agent.id)))
      .returning();
    if (!saved) throw notFound("test case");
    return c.json(toTestCase(saved), 200);
  });
}
