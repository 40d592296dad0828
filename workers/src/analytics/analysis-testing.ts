// Test data for post-call analysis (workerd only): analysis columns written straight to seeded
// sessions, and analysis settings written into an agent's stored (draft) configuration.
import { eq } from "drizzle-orm";
import type { AnalysisOutput, AnalysisSettings, AnalysisStatus } from "@speaknode/contracts";
import { agents, sessions } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";

export interface SeedAnalysis {
  status: AnalysisStatus | null;
  reason?: string;
  result?: AnalysisOutput;
}

export async function setAnalysis(sessionId: string, a: SeedAnalysis): Promise<void> {
  const success = a.result?.success ?? null;
  await withDb((db) =>
    db
      .update(sessions)
      .set({
        analysisStatus: a.status,
        analysisReason: a.reason ?? null,
        analysisResult: a.result ?? null,
        analysisPassed: success ? success.passed : null,
        analysisScore: success ? success.score : null,
        analysisModel: a.status === "completed" ? "openai-compatible/test-model" : null,
        analysisAttempts: a.status === "completed" || a.status === "failed" ? 1 : 0,
        analyzedAt: a.status === "completed" ? new Date() : null,
      })
      .where(eq(sessions.id, sessionId)),
  );
}

/** A completed analysis with a pass/fail verdict and structured data. */
export function completed(passed: boolean | null, data: Record<string, string | number | boolean> = {}, summary = "The caller asked about an order."): SeedAnalysis {
  return { status: "completed", result: { summary, data, success: passed === null ? null : { passed, score: null, reason: passed ? "resolved" : "not resolved" } } };
}

export async function setAgentAnalysis(agentId: string, analysis: Partial<AnalysisSettings>): Promise<void> {
  await withDb(async (db) => {
    const [row] = await db.select({ config: agents.config }).from(agents).where(eq(agents.id, agentId));
    if (!row) throw new Error(`no agent ${agentId}`);
    await db.update(agents).set({ config: { ...row.config, analysis } }).where(eq(agents.id, agentId));
  });
}
