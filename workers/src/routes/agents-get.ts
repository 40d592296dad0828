import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Agent } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { etag, loadAgent, toAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "One agent (its draft configuration); the ETag is its version",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 200: jsonResponse(Agent, "The agent"), ...errorResponses },
});

export function registerAgentsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    return c.json(toAgent(row), 200, { etag: etag(row) });
  });
}
