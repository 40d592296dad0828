import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { idSchema, Session } from "@speaknode/contracts";
import { z } from "@hono/zod-openapi";
import { sessions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, iso, isoOrNull, jsonResponse } from "../lib/openapi.ts";

export const SessionParams = z.object({ sessionId: idSchema("session") });

export const route = createRoute({
  method: "get",
  path: "/v1/sessions/{sessionId}",
  tags: ["sessions"],
  summary: "One session's metadata",
  security: bearerSecurity,
  request: { params: SessionParams },
  responses: { 200: jsonResponse(Session, "The session"), ...errorResponses },
});

export function toSession(row: typeof sessions.$inferSelect): Session {
  return {
    id: row.id,
    spaceId: row.spaceId,
    agentId: row.agentId,
    agentVersion: row.agentVersion,
    status: row.status,
    failureReason: row.failureReason,
    channel: row.channel,
    caller: row.caller,
    language: row.language,
    variables: row.variables,
    createdAt: iso(row.createdAt),
    startedAt: isoOrNull(row.startedAt),
    endedAt: isoOrNull(row.endedAt),
    durationMs: row.startedAt && row.endedAt ? row.endedAt.getTime() - row.startedAt.getTime() : null,
  };
}

export function registerSessionsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const [row] = await c.get("db").select().from(sessions).where(eq(sessions.id, c.req.valid("param").sessionId));
    if (!row) throw notFound("session");
    await requireSpace(c, row.spaceId);
    return c.json(toSession(row), 200);
  });
}
