import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Agent, PublishBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { buildSnapshot, checkedConfig, etag, ifMatchVersion, loadAgent, toAgent } from "../agents/store.ts";
import { warmGreetingsAfterPublish } from "../agents/greeting-warm.ts";
import { publishSnapshot } from "../agents/publish.ts";
import { runPreflight } from "../agents/preflight.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/publish",
  tags: ["agents"],
  summary: "Freeze the draft (with its tools) as a new immutable version and serve it, once the pre-flight passes",
  description:
    "Runs the same pre-flight as GET /v1/agents/{agentId}/preflight; problems refuse the publish (422 `preflight_failed`, listed in `problems`). An Owner may send `force: true` to publish anyway: the problems are recorded with the version. `force` from anyone else is refused (403).",
  security: bearerSecurity,
  request: { params: AgentParams, body: { ...jsonBody(PublishBody), required: false } },
  responses: {
    200: jsonResponse(Agent, "The agent, now published"),
    ...errorResponses,
    412: problemSpec("The agent changed since the given ETag"),
    422: problemSpec("The pre-flight found problems (`preflight_failed`, with `problems`)"),
  },
});

export function registerAgentsPublish(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    const { note, force } = c.req.valid("json");
    const expected = ifMatchVersion(c);
    const { row } = await loadAgent(c, agentId);
    // Overriding the pre-flight is the Owner's call, whatever the pre-flight finds.
    if (force) await requireSpace(c, row.spaceId, "owner", "agent");
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
    const published = await db.transaction(async (tx) => {
      const snapshot = await buildSnapshot(tx, row.spaceId, config);
      return publishSnapshot(tx, row, snapshot, p.type === "user" ? p.userId : null, note, problems.length > 0 ? problems : null);
    });
    // The version's first calls start their greeting from the runtime's cache.
    await warmGreetingsAfterPublish(c, published, config);
    return c.json(toAgent(published), 200, { etag: etag(published) });
  });
}
