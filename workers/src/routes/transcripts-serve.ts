// A session's transcript through a signed, expiring link (the links of session.completed webhook
// events, workers/src/sessions/recording-urls.ts): its final turns as JSON, in order. Whoever holds
// the link reads the transcript until it expires; an expired link is 410, a tampered one 403.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { idSchema } from "@speaknode/contracts";
import { sessions, sessionTurns } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { withDatabase } from "../lib/database.ts";
import { checkTranscriptSignature } from "../sessions/recording-urls.ts";

export function registerTranscriptsServe(app: OpenAPIHono<AppEnv>): void {
  // Public (the link is the credential): no authentication, only the database.
  app.use("/transcripts/*", withDatabase());
  app.get("/transcripts/:sessionId", async (c) => {
    const sessionId = idSchema("session").safeParse(c.req.param("sessionId"));
    if (!sessionId.success) throw notFound("transcript");
    const verdict = await checkTranscriptSignature(c.get("config").runtime.tokenSecret, sessionId.data, c.req.query("exp") ?? "", c.req.query("sig") ?? "");
    if (verdict === "expired") throw new ApiError("gone", "the transcript link has expired: open the session for its transcript");
    if (verdict === "invalid") throw new ApiError("forbidden", "the transcript link is not valid");
    const db = c.get("db");
    const [session] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sessionId.data));
    if (!session) throw notFound("transcript");
    const turns = await db
      .select({ turnId: sessionTurns.turnId, role: sessionTurns.role, text: sessionTurns.text, language: sessionTurns.language, interrupted: sessionTurns.interrupted, startedAt: sessionTurns.startedAt, endedAt: sessionTurns.endedAt })
      .from(sessionTurns)
      .where(eq(sessionTurns.sessionId, session.id))
      .orderBy(asc(sessionTurns.startedAt), asc(sessionTurns.eventId));
    return c.json(
      {
        sessionId: session.id,
        turns: turns.map((t) => ({ turnId: t.turnId, role: t.role, text: t.text, language: t.language, interrupted: t.interrupted, startedAt: t.startedAt.toISOString(), endedAt: t.endedAt.toISOString() })),
      },
      200,
      { "cache-control": "private, max-age=300" },
    );
  });
}
