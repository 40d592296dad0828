// Whether a finished session gets a post-call analysis, decided once in the SessionRoom's terminal
// write (its transaction) and stored on the row: `pending` (queued after the commit) or
// `not_configured` with the reason — the agent version asks for nothing, it runs the offline
// scripted LLM (which would fabricate an analysis), or nothing was said. session.completed, written
// in the same transaction, reads the decision from the row. A write replayed after the decision
// (the room retries its row write) leaves it as it is.
import { and, count, eq, isNull, ne } from "drizzle-orm";
import { analysisNotConfiguredReasons, analysisRequested, type AgentConfig } from "@speaknode/contracts";
import { sessions, sessionTurns, type Database } from "@speaknode/db";
import type { RowTx } from "../../../durable-objects/session-room/write-through.ts";
import { ApiError } from "../errors.ts";
import { sessionAgentConfig } from "../runtime/config.ts";

export type AnalysisPlan = { status: "pending" } | { status: "not_configured"; reason: string };

type Session = typeof sessions.$inferSelect;

/** The decision, from the agent version that ran and what was said (turns with text). */
export function decideAnalysis(config: AgentConfig, spokenTurns: number): AnalysisPlan {
  if (!analysisRequested(config.analysis)) return { status: "not_configured", reason: analysisNotConfiguredReasons.noSettings };
  if (config.llm.provider === "scripted") return { status: "not_configured", reason: analysisNotConfiguredReasons.scriptedLlm };
  if (spokenTurns === 0) return { status: "not_configured", reason: analysisNotConfiguredReasons.noTurns };
  return { status: "pending" };
}

async function configOf(db: Database, row: Session): Promise<AgentConfig | string> {
  try {
    return await sessionAgentConfig(db, row);
  } catch (err) {
    // The agent, or the version that ran, was deleted since: nothing says what to analyse.
    if (err instanceof ApiError) return `Nothing to analyse with: ${err.message}.`;
    throw err;
  }
}

/**
 * Decides and stores the session's analysis in the row write's transaction; the plan, or null when
 * it was decided before (nothing to queue).
 */
export async function planAnalysis(tx: RowTx, sessionId: string, now: Date = new Date()): Promise<AnalysisPlan | null> {
  // The transaction reads like the database (selects only): the agent's config is read in it.
  const db = tx as unknown as Database;
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
  if (!row || row.analysisStatus !== null) return null;
  const config = await configOf(db, row);
  let plan: AnalysisPlan;
  if (typeof config === "string") {
    plan = { status: "not_configured", reason: config };
  } else {
    const [spoken] = await db.select({ n: count() }).from(sessionTurns).where(and(eq(sessionTurns.sessionId, sessionId), ne(sessionTurns.text, "")));
    plan = decideAnalysis(config, Number(spoken?.n ?? 0));
  }
  const stored = await tx
    .update(sessions)
    .set(plan.status === "pending" ? { analysisStatus: "pending", analysisReason: null, analysisRequestedAt: now } : { analysisStatus: "not_configured", analysisReason: plan.reason.slice(0, 1000) })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.analysisStatus)))
    .returning({ id: sessions.id });
  return stored.length > 0 ? plan : null;
}
