// The analysis's reads and writes on the session's row. Every write is conditional on the row still
// being `pending`, so a replayed or duplicated message (the queue's redelivery, the sweep's re-queue)
// changes nothing once the analysis finished; the finishing write emits call.analysis.ready in its
// transaction (one per session, by its key), which the caller announces after the commit.
import { and, asc, eq, sql } from "drizzle-orm";
import type { AnalysisOutput, AnalysisRequest } from "@speaknode/contracts";
import { sessions, sessionToolCalls, sessionTurns, type Database } from "@speaknode/db";
import { emitAnalysisReady } from "../webhooks/events/analysis.ts";

export type SessionRow = typeof sessions.$inferSelect;

/** The contract's limits of one request. */
const maxTurns = 2000;
const maxToolCalls = 500;

export async function loadSession(db: Database, sessionId: string): Promise<SessionRow | null> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
  return row ?? null;
}

/** The conversation as the request carries it: turns in order (cut to the contract's limit), tool calls in order. */
export async function conversationOf(db: Database, sessionId: string): Promise<Pick<AnalysisRequest, "transcript" | "toolCalls">> {
  const turns = await db
    .select({ role: sessionTurns.role, text: sessionTurns.text })
    .from(sessionTurns)
    .where(eq(sessionTurns.sessionId, sessionId))
    .orderBy(asc(sessionTurns.startedAt), asc(sessionTurns.createdAt))
    .limit(maxTurns);
  const calls = await db
    .select({ name: sessionToolCalls.name, request: sessionToolCalls.request, status: sessionToolCalls.status })
    .from(sessionToolCalls)
    .where(eq(sessionToolCalls.sessionId, sessionId))
    .orderBy(asc(sessionToolCalls.createdAt))
    .limit(maxToolCalls);
  return {
    transcript: turns.filter((t) => t.text.trim() !== ""),
    toolCalls: calls.map((c) => ({ name: c.name, request: c.request as AnalysisRequest["toolCalls"][number]["request"], status: c.status })),
  };
}

/** Counts a try (and when it was made, which the sweep reads); the tries so far, or null when the session is no longer pending. */
export async function recordAttempt(db: Database, sessionId: string, now: Date): Promise<number | null> {
  const [row] = await db
    .update(sessions)
    .set({ analysisAttempts: sql`${sessions.analysisAttempts} + 1`, analysisRequestedAt: now })
    .where(and(eq(sessions.id, sessionId), eq(sessions.analysisStatus, "pending")))
    .returning({ attempts: sessions.analysisAttempts });
  return row?.attempts ?? null;
}

export type AnalysisOutcome = { status: "completed"; output: AnalysisOutput; model: string } | { status: "failed"; reason: string };

/** Stores the outcome and emits call.analysis.ready, once; the event's id, or null when the session was no longer pending. */
export async function finishAnalysis(db: Database, sessionId: string, outcome: AnalysisOutcome, now: Date): Promise<string | null> {
  return db.transaction(async (tx) => {
    const values =
      outcome.status === "completed"
        ? {
            analysisStatus: "completed",
            analysisReason: null,
            analysisResult: outcome.output as unknown as Record<string, unknown>,
            analysisPassed: outcome.output.success?.passed ?? null,
            analysisScore: outcome.output.success?.score ?? null,
            analysisModel: outcome.model.slice(0, 200),
            analyzedAt: now,
          }
        : { analysisStatus: "failed", analysisReason: outcome.reason.slice(0, 1000), analyzedAt: now };
    const updated = await tx
      .update(sessions)
      .set(values)
      .where(and(eq(sessions.id, sessionId), eq(sessions.analysisStatus, "pending")))
      .returning({ id: sessions.id });
    if (updated.length === 0) return null;
    return emitAnalysisReady(tx, sessionId);
  });
}
