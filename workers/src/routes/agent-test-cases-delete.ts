// DELETE /v1/agents/{agentId}/test-cases/{caseId}: remove a case; runs made of it keep their
// snapshot of it and their results.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { agentTestCases } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, noContent } from "../lib/openapi.ts";
import { TestCaseParams } from "./params-agent-tests.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/agents/{agentId}/test-cases/{caseId}",
  tags: ["agent-tests"],
  summary: "Delete a test case (past runs keep their copy of it)",
  security: bearerSecurity,
  request: { params: TestCaseParams },
  responses: { 204: noContent, ...errorResponses },
});

export function registerAgentTestCasesDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId, caseId } = c.req.valid("param");
    const { row } = await loadAgent(c, agentId);
    const deleted = await c.get("db").delete(agentTestCases).where(and(eq(agentTestCases.id, caseId), eq(agentTestCases.agentId, row.id))).returning({ id: agentTestCases.id });
    if (deleted.length === 0) throw notFound("test case");
    return c.body(null, 204);
  });
}
