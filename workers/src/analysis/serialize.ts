// A session's post-call analysis as the API returns it, from the session's row. A row from before
// analysis existed (status null) reads as not configured.
import { AnalysisOutput, analysisNotConfiguredReasons, type AnalysisStatus, type SessionAnalysis } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";

type Row = Pick<typeof sessions.$inferSelect, "analysisStatus" | "analysisReason" | "analysisResult" | "analysisPassed" | "analysisScore" | "analysisAttempts" | "analysisModel" | "analyzedAt">;

/** The columns `sessionAnalysis` reads, for a select. */
export const analysisColumns = {
  analysisStatus: sessions.analysisStatus,
  analysisReason: sessions.analysisReason,
  analysisResult: sessions.analysisResult,
  analysisPassed: sessions.analysisPassed,
  analysisScore: sessions.analysisScore,
  analysisAttempts: sessions.analysisAttempts,
  analysisModel: sessions.analysisModel,
  analyzedAt: sessions.analyzedAt,
};

export function analysisStatusOf(row: Pick<Row, "analysisStatus">): AnalysisStatus {
  const s = row.analysisStatus;
  return s === "pending" || s === "completed" || s === "failed" || s === "not_configured" ? s : "not_configured";
}

/** The list's glance: status, verdict and score. */
export function analysisSummary(row: Row): { status: AnalysisStatus; passed: boolean | null; score: number | null } {
  return { status: analysisStatusOf(row), passed: row.analysisPassed, score: row.analysisScore };
}

export function sessionAnalysis(row: Row): SessionAnalysis {
  const parsed = row.analysisResult === null ? null : AnalysisOutput.safeParse(row.analysisResult);
  return {
    status: analysisStatusOf(row),
    reason: row.analysisStatus === null ? analysisNotConfiguredReasons.noSettings : row.analysisReason,
    result: parsed?.success ? parsed.data : null,
    attempts: row.analysisAttempts,
    model: row.analysisModel,
    completedAt: row.analyzedAt ? row.analyzedAt.toISOString() : null,
  };
}
