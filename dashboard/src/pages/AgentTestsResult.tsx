// A run's detail: its counts and pass rate, what changed since the previous finished run of the
// same version, and per case and repeat the transcript (caller and agent turns with the tools the
// agent called), which expectation failed on which turn and why, the judge's verdicts and why a
// case was skipped or could not run.
import type { TestResult } from "../../../packages/contracts/src/agent-tests.ts";
import { describeExpectation } from "../stores/agent-tests-form.ts";
import { caseVerdict, finished, percent, versionLabel, versionOf, type CaseChange, type CaseVerdict, type TestRunsStore } from "../stores/agent-tests-runs.ts";
import { formatDate } from "../ui/forms.ts";

const badgeClass: Record<string, string> = { passed: "ok", failed: "danger", error: "danger", flaky: "warn", skipped: "", queued: "", running: "warn" };

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${badgeClass[status] ?? ""}`}>{status}</span>;
}

export function RunDetail({ runs, onClose }: { runs: TestRunsStore; onClose: () => void }) {
  const run = runs.current.value;
  if (!run) return null;
  const done = finished(run.status);
  const counted = run.results.length;
  return (
    <section class="card stack run-detail" aria-label="Test run" aria-busy={!done}>
      <div class="row">
        <h3>
          Run of {versionLabel(versionOf(run))} <StatusBadge status={run.status} />
        </h3>
        <span class="muted">
          {run.mode} mode{run.repeat > 1 ? `, each case ${run.repeat}×` : ""}, {run.trigger} · {formatDate(run.createdAt)}
        </span>
        <span class="spacer" />
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </div>
      <p role="status">
        {done ? "Finished" : run.status === "queued" ? "Waiting to start" : `Running: ${counted} of ${run.total} done`} — {run.passed} passed, {run.failed} failed, {run.errors} errors, {run.skipped} skipped · pass rate {percent(run.passRate)}
      </p>
      {run.reason && <p class="error">{run.reason}</p>}
      {done && <Changes runs={runs} />}
      {run.cases.map((c) => (
        <div key={c.caseId} class="case-result" data-case={c.caseName}>
          <h4>
            {c.caseName} <StatusBadge status={caseVerdict(c)} /> <span class="muted">{run.repeat > 1 ? `pass rate ${percent(c.passRate)}` : ""}</span>
          </h4>
          {run.results
            .filter((r) => r.caseId === c.caseId)
            .map((r) => (
              <ResultView key={r.iteration} result={r} repeat={run.repeat} />
            ))}
        </div>
      ))}
      {!done && run.cases.length === 0 && <p class="muted">Results appear here as each case finishes.</p>}
    </section>
  );
}

function Changes({ runs }: { runs: TestRunsStore }) {
  const previous = runs.previous.value;
  const changes = runs.changes.value;
  if (!previous || !changes) return <p class="muted">No earlier finished run of this version to compare with.</p>;
  return (
    <div class="changes-since" aria-label="Changes since the previous run">
      <p>
        Compared with the previous run ({formatDate(previous.createdAt)}, pass rate {percent(previous.passRate)}):{" "}
        {changes.length === 0 ? "no case changed status." : `${changes.length === 1 ? "1 case" : `${changes.length} cases`} changed status.`}{" "}
        <button type="button" class="link" onClick={() => void runs.watch(previous.id)}>
          Open it
        </button>
      </p>
      {changes.length > 0 && (
        <table class="changes">
          <thead>
            <tr>
              <th>Case</th>
              <th>Before</th>
              <th>Now</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <ChangeRow key={c.caseId} change={c} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const verdictText = (v: CaseVerdict | null) => v ?? "not run";

function ChangeRow({ change }: { change: CaseChange }) {
  return (
    <tr>
      <td>{change.caseName}</td>
      <td>
        {change.before ? <StatusBadge status={change.before} /> : verdictText(null)} <span class="muted">{change.before ? percent(change.beforeRate) : ""}</span>
      </td>
      <td>
        {change.after ? <StatusBadge status={change.after} /> : verdictText(null)} <span class="muted">{change.after ? percent(change.afterRate) : ""}</span>
      </td>
    </tr>
  );
}

function ResultView({ result, repeat }: { result: TestResult; repeat: number }) {
  const failed = result.status === "failed" || result.status === "error";
  return (
    <details class="result" open={failed} data-status={result.status}>
      <summary>
        {repeat > 1 ? `Repeat ${result.iteration}: ` : ""}
        <StatusBadge status={result.status} /> <span class="muted">{(result.durationMs / 1000).toFixed(1)} s</span>
        {result.reason && <span class="muted"> — {result.reason}</span>}
      </summary>
      {result.failures.length > 0 && (
        <ul class="failures">
          {result.failures.map((f, i) => (
            <li key={i}>
              <strong>{f.turn === null ? "Whole conversation" : `Turn ${f.turn}`}</strong> · {describeExpectation(f.expectation)}: <span class="error">{f.message}</span>
            </li>
          ))}
        </ul>
      )}
      {result.judged.length > 0 && (
        <ul class="judged">
          {result.judged.map((j, i) => (
            <li key={i}>
              <StatusBadge status={j.verdict === "pass" ? "passed" : j.verdict === "fail" ? "failed" : "skipped"} /> {j.turn === null ? "Whole conversation" : `Turn ${j.turn}`}: {j.criteria} <span class="muted">— {j.reason}</span>
            </li>
          ))}
        </ul>
      )}
      <Transcript result={result} />
    </details>
  );
}

function Transcript({ result }: { result: TestResult }) {
  if (result.turns.length === 0) return <p class="muted">No turns recorded.</p>;
  let userTurn = 0;
  return (
    <ol class="test-transcript">
      {result.turns.map((t, i) => {
        if (t.role === "user") userTurn++;
        return (
          <li key={i} class={t.role}>
            <span class="who">{t.role === "user" ? `Caller (turn ${userTurn})` : "Agent"}</span> <span class="muted">{(t.atMs / 1000).toFixed(1)} s</span>
            <div>{t.text || <span class="muted">(nothing said)</span>}</div>
            {t.toolCalls.map((c, j) => (
              <div key={j} class="tool-call">
                <code>
                  {c.name}({JSON.stringify(c.arguments)})
                </code>{" "}
                {c.error !== undefined ? <span class="error">→ error: {c.error}</span> : <code>→ {JSON.stringify(c.output)}</code>} {c.mocked && <span class="badge">mocked</span>}
              </div>
            ))}
            {t.handoff && <div class="muted">Handed off to {t.handoff}</div>}
          </li>
        );
      })}
    </ol>
  );
}
