// A session's post-call analysis as the detail page and the lists show it: a headline by status
// (not configured / pending / failed / completed) with its reason, the summary, the structured data
// as rows, and the success verdict or score. Pure functions, tested without a DOM.
import type { AnalysisStatus, SessionAnalysis } from "../../../packages/contracts/src/analysis.ts";

export interface AnalysisView {
  status: AnalysisStatus;
  headline: string;
  /** not_configured and failed: why. */
  reason: string | null;
  summary: string | null;
  data: { field: string; value: string }[];
  verdict: { passed: boolean; label: string; reason: string } | null;
  model: string | null;
}

export const analysisStatusLabel: Record<AnalysisStatus, string> = {
  not_configured: "Analysis not configured",
  pending: "Analysis pending",
  completed: "Analysed",
  failed: "Analysis failed",
};

function showValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function analysisView(a: SessionAnalysis): AnalysisView {
  const r = a.status === "completed" ? a.result : null;
  const s = r?.success ?? null;
  return {
    status: a.status,
    headline: a.status === "failed" && a.attempts > 1 ? `${analysisStatusLabel.failed} after ${a.attempts} attempts` : analysisStatusLabel[a.status],
    reason: a.status === "not_configured" || a.status === "failed" ? a.reason : null,
    summary: r?.summary ?? null,
    data: Object.entries(r?.data ?? {}).map(([field, value]) => ({ field, value: showValue(value) })),
    verdict: s ? { passed: s.passed, label: verdictLabel({ passed: s.passed, score: s.score }), reason: s.reason } : null,
    model: a.status === "completed" ? a.model : null,
  };
}

/** A verdict in a word (lists' column): "Passed 8", "Failed", or "" when there is none. */
export function verdictLabel(a: { passed: boolean | null; score: number | null }): string {
  if (a.passed === null) return "";
  return `${a.passed ? "Passed" : "Failed"}${a.score !== null ? ` ${a.score}` : ""}`;
}

/** Pending analyses are refetched for a while after the session ends (the queue answers in seconds). */
export const analysisPollMs = 5000;
export const analysisPollForMs = 180_000;
