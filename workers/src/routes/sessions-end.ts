// End a session from the platform (members and API keys of its space): a phone call is hung up at
// the provider; a session with nothing connected yet fails at once.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { EndSessionResult } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { endSession } from "../telephony/hangup.ts";
import { SessionParams } from "./sessions-get.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/sessions/{sessionId}/end",
  tags: ["sessions"],
  summary: "End a session: hang up its phone call, or fail it when nothing is connected yet",
  description:
    "202 `ending` when the provider is hanging up the call (the session completes when the call has ended); " +
    "200 `failed` when the session was ended at once (a call not yet placed, an agent not yet joined). " +
    "Active web and API sessions cannot be ended from the platform (409).",
  security: bearerSecurity,
  request: { params: SessionParams },
  responses: {
    200: jsonResponse(EndSessionResult, "Ended at once: the session failed with the reason 'ended from the platform'"),
    202: jsonResponse(EndSessionResult, "The provider is hanging up the call"),
    ...errorResponses,
    409: problemSpec("The session has ended already, or it is an active session that is not a phone call"),
    429: problemSpec("The provider is rate limiting (Retry-After)"),
    502: problemSpec("The provider refused the request or the connection's credentials"),
    503: problemSpec("The provider is unreachable or failing (Retry-After)"),
  },
});

export function registerSessionsEnd(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const [found] = await c.get("db").select().from(sessions).where(eq(sessions.id, c.req.valid("param").sessionId));
    const { row } = await requireInSpace(c, "session", found);
    const { result, accepted } = await endSession({ db: c.get("db"), config: c.get("config"), env: c.env }, row);
    return accepted ? c.json(result, 202) : c.json(result, 200);
  });
}
