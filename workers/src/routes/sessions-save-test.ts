// POST /v1/sessions/{sessionId}/test-case: save a real session as a scripted test case of its agent
// (agent-tests/from-session.ts), for a member who may change the agent.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { SaveSessionAsTestBody, TestCase } from "@speaknode/contracts";
import { agents, sessions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { toAgent } from "../agents/store.ts";
import { testCaseFromSession } from "../agent-tests/from-session.ts";
import { checkedTestCase, insertTestCase, toTestCase, webhookToolCodes } from "../agent-tests/store.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { SessionParams } from "./sessions-get.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/sessions/{sessionId}/test-case",
  tags: ["agent-tests"],
  summary: "Save a session as a scripted test case of its agent: the caller's lines, the tool calls as expectations, their answers as exact mocks",
  security: bearerSecurity,
  request: { params: SessionParams, body: { ...jsonBody(SaveSessionAsTestBody), required: false } },
  responses: {
    201: jsonResponse(TestCase, "The new test case"),
    ...errorResponses,
    409: problemSpec("The agent has 200 test cases already"),
    410: problemSpec("The session's agent was deleted"),
    422: problemSpec("The session has no caller turns to replay"),
  },
});

export function registerSessionsSaveTest(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const [found] = await db.select().from(sessions).where(eq(sessions.id, c.req.valid("param").sessionId));
    const { row: session } = await requireInSpace(c, "session", found);
    const [agent] = session.agentId ? await db.select().from(agents).where(eq(agents.id, session.agentId)) : [];
    if (!agent || agent.spaceId !== session.spaceId) throw new ApiError("gone", "the session's agent was deleted");
    const config = toAgent(agent);
    const testCase = await testCaseFromSession(db, session, config, await webhookToolCodes(db, agent.spaceId, config), { name: body.name, required: body.required });
    await checkedTestCase(db, agent.spaceId, config, testCase);
    return c.json(toTestCase(await insertTestCase(db, agent, testCase, session.id)), 201);
  });
}
