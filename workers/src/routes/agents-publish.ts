import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Agent, PublishBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { buildSnapshot, checkedConfig, etag, ifMatchVersion, loadAgent, toAgent } from "../agents/store.ts";
import { publishSnapshot } from "../agents/publish.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/publish",
  tags: ["agents"],
  summary: "Freeze the draft (with its tools) as a new immutable version and serve it",
  security: bearerSecurity,
  request: { params: AgentParams, body: { ...jsonBody(PublishBody), required: false } },
  responses: { 200: jsonResponse(Agent, "The agent, now published"), ...errorResponses, 412: problemSpec("The agent changed since the given ETag") },
});

export function registerAgentsPublish(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    const { note } = c.req.valid("json");
    const expected = ifMatchVersion(c);
    const { row } = await loadAgent(c, agentId);
    if (expected !== undefined && expected !== row.version) throw new ApiError("precondition_failed", `the agent is at version ${row.version}, not ${expected}: reload it`);
    const config = toAgent(row);
    const db = c.get("db");
    // The catalog or the tools may have changed since the draft was saved.
    await checkedConfig(db, row.spaceId, config, agentId);
    const p = c.get("principal");
    const published = await db.transaction(async (tx) => {
      const snapshot = await buildSnapshot(tx, row.spaceId, config);
      return publishSnapshot(tx, row, snapshot, p.type === "user" ? p.userId : null, note);
    });
    return c.json(toAgent(published), 200, { etag: etag(published) });
  });
}
