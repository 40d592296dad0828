// The voice runtime asks whether a session has ended: a runtime that died mid-call finds the
// session's recording on disk when it starts again, and uploads it only once the session is over
// (a session still live may be another runtime's, still writing it).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { RuntimeSessionState } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { jsonResponse } from "../lib/openapi.ts";
import { runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";

export const route = createRoute({
  method: "get",
  path: "/runtime/v1/sessions/{sessionId}",
  tags: ["runtime"],
  summary: "The session's status, and whether it has ended",
  security: runtimeSecurity,
  request: { params: RuntimeSessionParams },
  responses: { 200: jsonResponse(RuntimeSessionState, "The session's state"), ...runtimeErrorResponses },
});

export function registerRuntimeSessionState(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const session = await loadRuntimeSession(c, c.req.valid("param").sessionId);
    const ended = session.status === "completed" || session.status === "failed";
    return c.json({ sessionId: session.id, status: session.status, ended }, 200, { "cache-control": "no-store" });
  });
}
