import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { Agent, PublishBody } from "@speaknode/contracts";
import { agentVersions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { buildSnapshot, checkedConfig, etag, ifMatchVersion, loadAgent, toAgent } from "../agents/store.ts";
import { warmGreetingsAfterPublish } from "../agents/greeting-warm.ts";
import { publishSnapshot } from "../agents/publish.ts";
import { runPreflight } from "../agents/preflight.ts";
import { ApiError } from "../errors.ts";
import { runPublishGate } from "../agent-tests/gate.ts";
import { caseRunnerFor } from "../agent-tests/runtime-client.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/publish",
  tags: ["agents"],
  summary: "Freeze the draft (with its tools) as a new immutable version and serve it, once the pre-flight passes",
  description:
    "Runs the same pre-flight as GET /v1/agents/{agentId}/preflight; problems refuse the publish (422 `preflight_failed`, listed in `problems`). An Owner may send `force: true` to publish anyway: the problems are recorded with the version. `force` from anyone else is refused (403). Then the agent's required test cases run (text mode, against the draft): a failure — or a runtime that cannot run them — refuses the publish (422 `tests_failed`, the verdict in `testGate`) unless an Owner sends `overrideTests: true`; the verdict is recorded with the version either way (GET …/versions/{version} `testGate`).",
  security: bearerSecurity,
  request: { params: AgentParams, body: { ...jsonBody(PublishBody), required: false } },
  responses: {
    200: jsonResponse(Agent, "The agent, now published"),
    ...errorResponses,
    412: problemSpec("The agent changed since the given ETag"),
    422: problemSpec("The pre-flight found problems (`preflight_failed`, with `problems`), or required test cases failed (`tests_failed`, with `testGate`)"),
  },
});

export function registerAgentsPublish(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    const { note, force, overrideTests } = c.req.valid("json");
    const expected = ifMatchVersion(c);
    const { row } = await loadAgent(c, agentId);
    // Overriding the pre-flight is the Owner's call, whatever the pre-flight finds.
    if (force || overrideTests) await requireSpace(c, row.spaceId, "owner", "agent");
    if (expected !== undefined && expected !== row.version) throw new ApiError("precondition_failed", `the agent is at version ${row.version}, not ${expected}: reload it`);
    const config = toAgent(row);
    const db = c.get("db");
    // The catalog or the tools may have changed since the draft was saved.
    await checkedConfig(db, row.spaceId, config, agentId);
    const problems = await runPreflight(db, row.spaceId, config, { now: new Date() });
    if (problems.length > 0 && !force) {
      throw new ApiError("preflight_failed", `the agent cannot be published yet: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`} to fix first`, { problems });
    }
    const p = c.get("principal");
    const createdBy = p.type === "user" ? p.userId : null;
    // The required test cases run against the draft being published, with the same code as a queued run.
    const settings = c.get("config");
    const verdict = await runPublishGate({ db, secretsKey: settings.secretsKey, runCase: caseRunnerFor(settings) }, row, createdBy);
    if (verdict && !verdict.passed && !overrideTests) {
      const { gate } = verdict;
      const detail = verdict.reason
        ? `the required test cases could not run: ${verdict.reason}`
        : `${gate.failed + gate.errors} of ${gate.passed + gate.failed + gate.skipped + gate.errors} required test case runs failed`;
      throw new ApiError("tests_failed", `${detail}; an Owner may publish anyway with overrideTests`, { testGate: gate });
    }
    const testGate = verdict ? { ...verdict.gate, overridden: !verdict.passed } : null;
    const published = await db.transaction(async (tx) => {
      const snapshot = await buildSnapshot(tx, row.spaceId, config);
      const agent = await publishSnapshot(tx, row, snapshot, createdBy, note, problems.length > 0 ? problems : null);
      if (testGate && agent.publishedVersion !== null) {
        await tx.update(agentVersions).set({ testGate }).where(and(eq(agentVersions.agentId, agent.id), eq(agentVersions.version, agent.publishedVersion)));
      }
      return agent;
    });
    // The version's first calls start their greeting from the runtime's cache.
    await warmGreetingsAfterPublish(c, published, config);
    return c.json(toAgent(published), 200, { etag: etag(published) });
  });
}
