// GET /v1/sessions/{sessionId}/trace: the spans the voice runtime exported for one session, in
// start order, for the dashboard's waterfall. Members of the session's space only.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { SessionTrace, type SpanKindName, type SpanView } from "@speaknode/contracts";
import { sessions, spans } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SessionParams } from "./sessions-get.ts";

/** A session's trace is drawn whole; one this long is cut (the oldest spans are kept). */
export const maxTraceSpans = 5000;

const kindNames: SpanKindName[] = ["unspecified", "internal", "server", "client", "producer", "consumer"];
const statusNames = ["unset", "ok", "error"] as const;

export const route = createRoute({
  method: "get",
  path: "/v1/sessions/{sessionId}/trace",
  tags: ["sessions", "telemetry"],
  summary: `The session's trace: its spans (STT, LLM, tools, TTS, turns) ordered by start, at most ${maxTraceSpans}`,
  security: bearerSecurity,
  request: { params: SessionParams },
  responses: { 200: jsonResponse(SessionTrace, "The session's spans"), ...errorResponses },
});

export function toSpanView(row: typeof spans.$inferSelect): SpanView {
  const start = row.startTimeUnixNano;
  const end = row.endTimeUnixNano < start ? start : row.endTimeUnixNano;
  return {
    traceId: row.traceId,
    spanId: row.spanId,
    parentSpanId: row.parentSpanId,
    name: row.name,
    kind: kindNames[row.kind] ?? "unspecified",
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    // Whole milliseconds exactly, then the sub-millisecond rest: a double cannot hold the nanoseconds.
    startMs: Number(start / 1_000_000n) + Number(start % 1_000_000n) / 1e6,
    durationMs: Number(end - start) / 1e6,
    status: { code: statusNames[row.statusCode] ?? "unset", message: row.statusMessage },
    attributes: row.attributes,
    events: row.events,
  };
}

export function registerSessionTrace(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const db = c.get("db");
    const [found] = await db.select({ id: sessions.id, spaceId: sessions.spaceId }).from(sessions).where(eq(sessions.id, c.req.valid("param").sessionId));
    const { row: session } = await requireInSpace(c, "session", found);
    const rows = await db
      .select()
      .from(spans)
      .where(eq(spans.sessionId, session.id))
      .orderBy(asc(spans.startTimeUnixNano), asc(spans.spanId))
      .limit(maxTraceSpans + 1);
    return c.json({ sessionId: session.id, spans: rows.slice(0, maxTraceSpans).map(toSpanView), truncated: rows.length > maxTraceSpans }, 200);
  });
}
