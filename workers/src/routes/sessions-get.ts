import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { analysisSummary, sessionAnalysis } from "../analysis/serialize.ts";
import { and, asc, eq, inArray } from "drizzle-orm";
import { idSchema, SessionDetail, type Session } from "@speaknode/contracts";
import { z } from "@hono/zod-openapi";
import { sessionCallStatuses, sessionRecordings, sessionRuntimeEvents, sessions, sessionToolCalls, sessionTurns } from "@speaknode/db";
import { phoneEventOf, phoneEventTypes, sessionPhone } from "../sessions/phone-facts.ts";
import { signRecordingUrl } from "../sessions/recording-urls.ts";
import { publicOrigin } from "../lib/public-url.ts";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, iso, isoOrNull, jsonResponse } from "../lib/openapi.ts";

export const SessionParams = z.object({ sessionId: idSchema("session") });

export const route = createRoute({
  method: "get",
  path: "/v1/sessions/{sessionId}",
  tags: ["sessions"],
  summary: "One session: metadata, turns with latency metrics, tool calls, errors, signed recording links, waveform peaks and, for calls, the provider's status history and phone events",
  security: bearerSecurity,
  request: { params: SessionParams },
  responses: { 200: jsonResponse(SessionDetail, "The session"), ...errorResponses },
});

export function toSession(row: typeof sessions.$inferSelect): Session {
  return {
    id: row.id,
    spaceId: row.spaceId,
    agentId: row.agentId,
    agentVersion: row.agentVersion,
    status: row.status,
    failureReason: row.failureReason,
    endReason: row.endReason,
    channel: row.channel,
    caller: row.caller,
    language: row.language,
    variables: row.variables,
    createdAt: iso(row.createdAt),
    startedAt: isoOrNull(row.startedAt),
    endedAt: isoOrNull(row.endedAt),
    durationMs: row.startedAt && row.endedAt ? row.endedAt.getTime() - row.startedAt.getTime() : null,
    direction: row.channel === "phone" ? row.direction : null,
    phone: sessionPhone(row),
    analysis: analysisSummary(row),
  };
}

export function registerSessionsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const [found] = await c.get("db").select().from(sessions).where(eq(sessions.id, c.req.valid("param").sessionId));
    const { row } = await requireInSpace(c, "session", found);
    const db = c.get("db");
    const isCall = row.channel === "phone";
    const [turns, calls, errors, recordings, callStatuses, phoneEvents] = await Promise.all([
      db.select().from(sessionTurns).where(eq(sessionTurns.sessionId, row.id)).orderBy(asc(sessionTurns.startedAt)),
      db.select().from(sessionToolCalls).where(eq(sessionToolCalls.sessionId, row.id)).orderBy(asc(sessionToolCalls.createdAt)),
      db.select().from(sessionRuntimeEvents).where(and(eq(sessionRuntimeEvents.sessionId, row.id), eq(sessionRuntimeEvents.type, "error"))).orderBy(asc(sessionRuntimeEvents.createdAt)),
      db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, row.id)),
      isCall ? db.select().from(sessionCallStatuses).where(eq(sessionCallStatuses.sessionId, row.id)).orderBy(asc(sessionCallStatuses.at), asc(sessionCallStatuses.createdAt)) : [],
      isCall
        ? db
            .select()
            .from(sessionRuntimeEvents)
            .where(and(eq(sessionRuntimeEvents.sessionId, row.id), inArray(sessionRuntimeEvents.type, [...phoneEventTypes])))
            .orderBy(asc(sessionRuntimeEvents.createdAt), asc(sessionRuntimeEvents.eventId))
        : [],
    ]);
    const origin = publicOrigin(c);
    const secret = c.get("config").runtime.tokenSecret;
    const composite = recordings.find((r) => r.track === "composite");
    return c.json(
      {
        ...toSession(row),
        analysisDetail: sessionAnalysis(row),
        turns: turns.map((t) => ({
          turnId: t.turnId,
          role: t.role,
          text: t.text,
          language: t.language,
          interrupted: t.interrupted,
          startedAt: iso(t.startedAt),
          endedAt: iso(t.endedAt),
          metrics: {
            endOfUtteranceDelayMs: t.endOfUtteranceDelayMs,
            sttFinalMs: t.sttFinalMs,
            llmTtftMs: t.llmTtftMs,
            toolMs: t.toolMs,
            ttsTtfbMs: t.ttsTtfbMs,
            voiceToVoiceMs: t.voiceToVoiceMs,
            endOfTurnProbability: t.endOfTurnProbability,
            endOfTurnThreshold: t.endOfTurnThreshold,
            preemptive: t.preemptive,
            audioFromCache: t.audioFromCache,
          },
        })),
        toolCalls: calls.map((t) => ({ toolCallId: t.toolCallId, name: t.name, turnId: t.turnId, request: t.request, response: t.response, status: t.status, error: t.error, latencyMs: t.latencyMs, at: iso(t.startedAt ?? t.createdAt) })),
        errors: errors.map((e) => ({ at: iso(e.createdAt), detail: e.detail ?? null })),
        tokenUsage: { prompt: row.promptTokens, completion: row.completionTokens },
        recordings: await Promise.all(
          recordings.map(async (r) => {
            const link = await signRecordingUrl(secret, origin, row.id, r.track, 3600);
            return { track: r.track, url: link.url, expiresAt: iso(link.expiresAt), contentType: r.contentType, sizeBytes: r.sizeBytes };
          }),
        ),
        waveform: composite?.waveformPeaks && composite.waveformDurationMs !== null ? { peaks: composite.waveformPeaks, durationMs: composite.waveformDurationMs } : null,
        callStatuses: callStatuses.map((s) => ({ status: s.status, at: iso(s.at), detail: s.detail })),
        phoneEvents: phoneEvents.flatMap((e) => phoneEventOf(e) ?? []),
      },
      200,
    );
  });
}
