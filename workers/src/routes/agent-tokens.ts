import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { text } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { signAgentToken } from "../sessions/agent-tokens.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/agent-tokens",
  tags: ["sessions"],
  summary: "Issue a short-lived token that lets a widget start sessions with this agent (the widget's agent-token)",
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(z.strictObject({ ttlS: z.number().int().min(60).max(86_400).default(3600) })) },
  responses: { 201: jsonResponse(z.object({ token: text(), expiresAt: text() }), "The token"), ...errorResponses },
});

export function registerAgentTokens(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const { token, expiresAt } = await signAgentToken(c.get("config").runtime.tokenSecret, row.id, c.req.valid("json").ttlS);
    return c.json({ token, expiresAt: expiresAt.toISOString() }, 201);
  });
}
