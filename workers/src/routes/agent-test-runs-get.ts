// GET /v1/agents/{agentId}/test-runs/{runId}: a run with every stored result (ordered by case, then
// repeat): transcript per turn, tool calls, failed expectations with why, judges' verdicts.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { TestRunDetail } from "@speaknode/contracts";
import { agentTestRuns } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { toTestRunDetail } from "../agent-tests/serialize.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { TestRunParams } from "./params-agent-tests.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/test-runs/{runId}",
  tags: ["agent-tests"],
  summary: "One test run with its results per case and repeat (turns, tool calls, failed expectations, verdicts)",
  security: bearerSecurity,
  request: { params: TestRunParams },
  responses: { 200: jsonResponse(TestRunDetail, "The run and its results"), ...errorResponses },
});

export function registerAgentTestRunsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId, runId } = c.req.valid("param");
    const { row: agent } = await loadAgent(c, agentId);
    const db = c.get("db");
    const [run] = await db.select().from(agentTestRuns).where(and(eq(agentTestRuns.id, runId), eq(agentTestRuns.agentId, agent.id)));
    if (!run) throw notFound("test run");
    return c.json(await toTestRunDetail(db, run), 200);
  });
}
