// A post-call analysis at a glance, for the sessions list and a campaign's items: the verdict (with
// its score) when the session was evaluated, else its status in a word.
import type { AnalysisStatus } from "../../../packages/contracts/src/analysis.ts";
import { analysisStatusLabel, verdictLabel } from "../stores/session-analysis.ts";

export function AnalysisVerdict({ analysis }: { analysis: { status: AnalysisStatus; passed: boolean | null; score: number | null } | null }) {
  if (!analysis) return <span class="muted">—</span>;
  const verdict = verdictLabel(analysis);
  if (verdict) return <span class={`badge ${analysis.passed ? "ok" : "danger"}`}>{verdict}</span>;
  const word = analysis.status === "completed" ? "analysed" : analysis.status === "not_configured" ? "—" : analysis.status;
  return (
    <span class="muted" title={analysisStatusLabel[analysis.status]}>
      {word}
    </span>
  );
}
