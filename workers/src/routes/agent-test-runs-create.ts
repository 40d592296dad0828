// POST /v1/agents/{agentId}/test-runs: run some or all of an agent's test cases against its draft
// or a published version, each `repeat` times, in text or audio mode. The run is made `queued`
// with the cases as they are now and executed by the agent-tests queue's consumer; poll
// GET …/test-runs/{runId} for its results.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateTestRunBody, TestRun } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { enqueueTestRun } from "../agent-tests/protocol.ts";
import { toTestRun } from "../agent-tests/serialize.ts";
import { creatorOf, insertTestRun, listTestCases } from "../agent-tests/store.ts";
import { ApiError } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/test-runs",
  tags: ["agent-tests"],
  summary: "Run an agent's test cases against its draft or a published version (queued; poll the run for results)",
  description:
    "All of the agent's cases unless `caseIds` names some (an id that is not one of its cases: 400). An agent without cases: 400. A version never published: 404. The run answers `queued`; the voice runtime runs each case `repeat` times, two at a time.",
  security: bearerSecurity,
  request: { params: AgentParams, body: { ...jsonBody(CreateTestRunBody), required: false } },
  responses: { 202: jsonResponse(TestRun, "The run, queued"), ...errorResponses },
});

export function registerAgentTestRunsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const db = c.get("db");
    const all = await listTestCases(db, row.id);
    if (all.length === 0) throw new ApiError("validation_failed", "the agent has no test cases to run: add one first", { errors: [{ field: "body.caseIds", message: "the agent has no test cases" }] });
    let cases = all;
    if (body.caseIds) {
      const byId = new Map(all.map((t) => [t.id, t]));
      const unknown = body.caseIds.flatMap((id, i) => (byId.has(id) ? [] : [{ field: `body.caseIds.${i}`, message: "is not a test case of this agent" }]));
      if (unknown.length > 0) throw new ApiError("validation_failed", "some cases are not this agent's", { errors: unknown });
      cases = [...new Set(body.caseIds)].flatMap((id) => byId.get(id) ?? []);
    }
    const trigger = c.get("principal").type === "api_key" ? "api" : "manual";
    const run = await insertTestRun(db, { agent: row, cases, version: body.version, mode: body.mode, repeat: body.repeat, trigger, createdBy: creatorOf(c) });
    try {
      await enqueueTestRun(c.env, run.id);
    } catch (err) {
      // The cron sweep sends a run still queued after 10 minutes: the run is made, only later.
      log.error("agent tests: enqueueing the run failed; the sweep will send it", { runId: run.id, ...errorFields(err) });
    }
    return c.json(toTestRun(run), 202);
  });
}
