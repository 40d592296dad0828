// The session page's Analysis card: why there is none (not configured, with the reason), that it is
// on its way, that it failed (and why), or what it found — summary, structured data, the success
// verdict or score with the LLM's reason, and the model that analysed the session.
import type { SessionAnalysis } from "../../../packages/contracts/src/analysis.ts";
import { analysisView } from "../stores/session-analysis.ts";
import { formatDate } from "../ui/forms.ts";

export function SessionAnalysisCard({ analysis }: { analysis: SessionAnalysis }) {
  const v = analysisView(analysis);
  return (
    <div class="card session-analysis" data-analysis-status={v.status}>
      <div class="row">
        <h2>Analysis</h2>
        <span class={`badge${v.status === "completed" ? " ok" : v.status === "failed" ? " danger" : ""}`}>{v.headline}</span>
        {v.verdict && (
          <span class={`badge verdict ${v.verdict.passed ? "ok" : "danger"}`} title={v.verdict.reason}>
            {v.verdict.label}
          </span>
        )}
      </div>
      {v.reason && <p class={v.status === "failed" ? "error" : "muted"}>{v.reason}</p>}
      {v.status === "pending" && <p class="muted">The agent's LLM is reading the conversation; this page refreshes until it is done.</p>}
      {v.summary !== null && (
        <>
          <h3>Summary</h3>
          <p class="analysis-summary">{v.summary}</p>
        </>
      )}
      {v.data.length > 0 && (
        <>
          <h3>Structured data</h3>
          <table class="analysis-data">
            <tbody>
              {v.data.map((d) => (
                <tr key={d.field}>
                  <th scope="row">{d.field}</th>
                  <td>{d.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {v.verdict && (
        <>
          <h3>Success</h3>
          <p>
            <strong>{v.verdict.label}</strong>: {v.verdict.reason}
          </p>
        </>
      )}
      {v.model && (
        <p class="muted">
          By {v.model}
          {analysis.completedAt ? `, ${formatDate(analysis.completedAt)}` : ""}
        </p>
      )}
    </div>
  );
}
