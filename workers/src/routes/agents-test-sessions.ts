// A member's test call with an agent's current draft (the dashboard's Test panel): it runs the
// draft even when a version is published, is recorded with channel `test`, and hands back a live
// events URL with the member role (turn metrics and tool results too). The public endpoint never
// creates one: it dispatches published versions on the widget channel only.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { DispatchedSession, TestSessionBody } from "@speaknode/contracts";
import type { AppEnv, Principal } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { dispatchSession } from "../sessions/dispatch.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/test-sessions",
  tags: ["sessions"],
  summary: "Test the agent's current draft (a member-only session, even when a version is published)",
  description:
    "Dispatches a session (channel `test`) on the draft as it is now. Variables are typed from JSON by the draft's schema. The returned `eventsUrl` subscribes as a member: it also carries `turn.metrics` and `tool.result` events.",
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(TestSessionBody) },
  responses: { 201: jsonResponse(DispatchedSession, "The test session, dispatching"), ...errorResponses },
});

/** Who ran the test, as the sessions list shows it ("Test · Ada"). */
function testerOf(principal: Principal): string {
  const who = principal.type === "user" ? (principal.name ?? principal.email) : `API key ${principal.name}`;
  return who.slice(0, 200);
}

export function registerAgentsTestSessions(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const result = await dispatchSession(c, {
      agent: row,
      publishedOnly: false,
      variables: body.variables,
      variablesSource: "json",
      language: body.language,
      channel: "test",
      caller: testerOf(c.get("principal")),
    });
    return c.json(result, 201);
  });
}
