import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { AgentPreflight } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { loadAgent, toAgent } from "../agents/store.ts";
import { runPreflight, unpublishedChanges } from "../agents/preflight.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/preflight",
  tags: ["agents"],
  summary: "What would stop the draft from working if published now, and whether it differs from the live version",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 200: jsonResponse(AgentPreflight, "The pre-flight of the current draft"), ...errorResponses },
});

export function registerAgentsPreflight(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const db = c.get("db");
    const config = toAgent(row);
    const now = new Date();
    const [problems, changed] = await Promise.all([runPreflight(db, row.spaceId, config, { now }), unpublishedChanges(db, row, config)]);
    return c.json({ ok: problems.length === 0, problems, unpublishedChanges: changed, checkedAt: now.toISOString() }, 200);
  });
}
