// A live-events subscription for any session of the caller's space: the dashboard uses it to watch
// a call it did not start (dispatch hands one only to whoever started the session). Only members
// get here, so the subscription is a member's: it carries turn metrics and tool results too.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { SessionEventsToken } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import { signSessionToken } from "@speaknode/tokens";
import { requireInSpace } from "../auth/access.ts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { eventsUrl } from "../sessions/dispatch.ts";
import { SessionParams } from "./sessions-get.ts";

const ttlS = 600;

export const route = createRoute({
  method: "post",
  path: "/v1/sessions/{sessionId}/events-token",
  tags: ["sessions"],
  summary: "A short-lived URL of the session's live events WebSocket",
  security: bearerSecurity,
  request: { params: SessionParams },
  responses: { 200: jsonResponse(SessionEventsToken, "The subscription"), ...errorResponses },
});

export function registerSessionsEventsToken(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const [found] = await c.get("db").select({ id: sessions.id, spaceId: sessions.spaceId, agentId: sessions.agentId }).from(sessions).where(eq(sessions.id, c.req.valid("param").sessionId));
    const { row } = await requireInSpace(c, "session", found);
    const token = await signSessionToken(c.get("config").runtime.tokenSecret, { sessionId: row.id, agentId: row.agentId ?? "", scope: "events", ttlS, role: "member" });
    return c.json({ eventsUrl: eventsUrl(c, row.id, token), expiresAt: new Date(Date.now() + ttlS * 1000).toISOString() }, 200);
  });
}
