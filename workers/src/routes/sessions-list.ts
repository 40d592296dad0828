import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, gte, isNull, lt, or, type SQL } from "drizzle-orm";
import { AnalysisStatus, CallDirection, idSchema, Session, SessionChannel, SessionStatusValue, text, Timestamp } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";
import { toSession } from "./sessions-get.ts";
import { callerMatch } from "../sessions/phone-facts.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/sessions",
  tags: ["sessions"],
  summary: "Session history, newest first, filtered; page on with `cursor` = the previous page's nextCursor",
  security: bearerSecurity,
  request: {
    params: SpaceParams,
    query: z.strictObject({
      agentId: idSchema("agent").optional(),
      /** The calls of one campaign (one session per attempt). */
      campaignId: idSchema("campaign").optional(),
      status: SessionStatusValue.optional(),
      channel: SessionChannel.optional(),
      /** Calls only: inbound or outbound. */
      direction: CallDirection.optional(),
      /** A caller id exactly; a phone number in any form (its caller, from or to number); or the last digits of a number. */
      caller: text().trim().min(1).max(200).optional(),
      /** The post-call analysis's status (a session from before analysis existed counts as not_configured). */
      analysisStatus: AnalysisStatus.optional(),
      /** The analysis's verdict: evaluated sessions that passed (true) or did not (false). */
      success: z.enum(["true", "false"]).optional(),
      from: Timestamp.optional(),
      to: Timestamp.optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: idSchema("session").optional(),
    }),
  },
  responses: { 200: jsonResponse(z.object({ data: z.array(Session), nextCursor: text().nullable() }), "A page of sessions"), ...errorResponses },
});

export function registerSessionsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const q = c.req.valid("query");
    await requireSpace(c, spaceId);
    // Ids are time-ordered, so ordering and paging by id is stable and newest first.
    const rows = await c
      .get("db")
      .select()
      .from(sessions)
      .where(
        and(
          eq(sessions.spaceId, spaceId),
          q.agentId ? eq(sessions.agentId, q.agentId) : undefined,
          q.campaignId ? eq(sessions.campaignId, q.campaignId) : undefined,
          q.status ? eq(sessions.status, q.status) : undefined,
          q.channel ? eq(sessions.channel, q.channel) : undefined,
          q.direction ? and(eq(sessions.channel, "phone"), eq(sessions.direction, q.direction)) : undefined,
          q.caller ? callerMatch(q.caller) : undefined,
          q.analysisStatus ? analysisStatusIs(q.analysisStatus) : undefined,
          q.success ? eq(sessions.analysisPassed, q.success === "true") : undefined,
          q.from ? gte(sessions.createdAt, new Date(q.from)) : undefined,
          q.to ? lt(sessions.createdAt, new Date(q.to)) : undefined,
          q.cursor ? lt(sessions.id, q.cursor) : undefined,
        ),
      )
      .orderBy(desc(sessions.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    return c.json({ data: page.map(toSession), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null }, 200);
  });
}

/** Rows written before analysis existed have no status: they read as not configured (analysis/serialize.ts). */
function analysisStatusIs(status: AnalysisStatus): SQL | undefined {
  return status === "not_configured" ? or(eq(sessions.analysisStatus, status), isNull(sessions.analysisStatus)) : eq(sessions.analysisStatus, status);
}
