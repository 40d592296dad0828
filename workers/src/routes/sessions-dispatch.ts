// Start a conversation with an agent (members and API keys of its space).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { DispatchBody, DispatchedSession } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { dispatchSession } from "../sessions/dispatch.ts";
import { loadAgentToDispatch } from "../sessions/agent-to-dispatch.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/sessions",
  tags: ["sessions"],
  summary: "Dispatch a session with an agent (its published version, or the draft when unpublished)",
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(DispatchBody) },
  responses: {
    201: jsonResponse(DispatchedSession, "The session, dispatching"),
    ...errorResponses,
    402: problemSpec("The space's plan has no overage and its included voice minutes are spent this period (minutes_exhausted)"),
    429: problemSpec("The space's plan is at its concurrent sessions (concurrency_limit, Retry-After)"),
  },
});

export function registerSessionsDispatch(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    // One read (agent, role, published snapshot, plan), one admission message, one room call.
    const { row, publishedSnapshot, billing } = await loadAgentToDispatch(c, c.req.valid("param").agentId);
    const result = await dispatchSession(c, {
      agent: row,
      publishedSnapshot,
      billing,
      publishedOnly: false,
      variables: body.variables,
      variablesSource: "json",
      language: body.language,
      channel: body.channel.type,
      caller: body.channel.callerId ?? null,
    });
    return c.json(result, 201);
  });
}
