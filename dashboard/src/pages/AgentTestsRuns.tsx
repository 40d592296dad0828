// "Run now" (the chosen cases or all, the draft or a published version, text or audio, repeated N
// times) and the history of runs per version with their pass rates; opening a run shows it live.
import { useSignal } from "@preact/signals";
import type { TestMode } from "../../../packages/contracts/src/agent-tests.ts";
import type { VersionSummary } from "../stores/agent-editor.ts";
import { percent, versionLabel, versionOf, type RunVersion, type TestRunsStore } from "../stores/agent-tests-runs.ts";
import { formatDate } from "../ui/forms.ts";
import { StatusBadge } from "./AgentTestsResult.tsx";

const versionValue = (v: RunVersion) => String(v);
const parseVersion = (s: string): RunVersion => (s === "draft" ? "draft" : Number(s));

export function RunNow(props: { runs: TestRunsStore; selected: string[]; total: number; versions: VersionSummary[] | null; disabled: boolean }) {
  const version = useSignal<RunVersion>("draft");
  const mode = useSignal<TestMode>("text");
  const repeat = useSignal("1");
  const { runs } = props;
  const which = props.selected.length > 0 ? `${props.selected.length} selected case${props.selected.length === 1 ? "" : "s"}` : `all ${props.total} case${props.total === 1 ? "" : "s"}`;
  const run = () =>
    void runs.start({
      version: version.value,
      mode: mode.value,
      repeat: Number(repeat.value),
      ...(props.selected.length > 0 ? { caseIds: props.selected } : {}),
    });
  return (
    <div class="row run-now">
      <label>
        Version{" "}
        <select value={versionValue(version.value)} onChange={(e) => (version.value = parseVersion(e.currentTarget.value))}>
          <option value="draft">Draft (as saved now)</option>
          {(props.versions ?? []).map((v) => (
            <option key={v.version} value={String(v.version)}>
              v{v.version}
            </option>
          ))}
        </select>
      </label>
      <label>
        Mode{" "}
        <select value={mode.value} onChange={(e) => (mode.value = e.currentTarget.value === "audio" ? "audio" : "text")}>
          <option value="text">Text (fast)</option>
          <option value="audio">Audio (spoken, with VAD and turn detection)</option>
        </select>
      </label>
      <label>
        Repeat{" "}
        <input type="number" class="short" min={1} max={20} value={repeat.value} onInput={(e) => (repeat.value = e.currentTarget.value)} />
      </label>
      <button type="button" onClick={run} disabled={props.disabled || props.total === 0 || runs.starting.value}>
        {runs.starting.value ? "Starting…" : `Run ${which}`}
      </button>
    </div>
  );
}

export function RunHistory({ runs, versions }: { runs: TestRunsStore; versions: VersionSummary[] | null }) {
  const list = runs.history.value;
  const filter = runs.version.value;
  return (
    <div class="stack">
      <div class="row">
        <h3>Runs</h3>
        <label>
          Version{" "}
          <select value={filter === null ? "" : versionValue(filter)} onChange={(e) => (runs.version.value = e.currentTarget.value === "" ? null : parseVersion(e.currentTarget.value))}>
            <option value="">All versions</option>
            <option value="draft">Draft</option>
            {(versions ?? []).map((v) => (
              <option key={v.version} value={String(v.version)}>
                v{v.version}
              </option>
            ))}
          </select>
        </label>
        <span class="spacer" />
        <button type="button" class="link" onClick={() => void runs.loadRuns().catch(() => undefined)}>
          Refresh
        </button>
      </div>
      {runs.runs.value === null ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No runs{filter === null ? "" : ` of ${versionLabel(filter)}`} yet.</p>
      ) : (
        <table class="test-runs">
          <thead>
            <tr>
              <th>Started</th>
              <th>Version</th>
              <th>Mode</th>
              <th>Status</th>
              <th>Pass rate</th>
              <th>Passed / failed / errors / skipped</th>
              <th>
                <span class="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} class={runs.current.value?.id === r.id ? "selected" : ""}>
                <td>{formatDate(r.createdAt)}</td>
                <td>
                  {versionLabel(versionOf(r))}
                  {r.trigger === "publish" && <span class="muted"> (publish gate)</span>}
                </td>
                <td>
                  {r.mode}
                  {r.repeat > 1 ? ` ×${r.repeat}` : ""}
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{percent(r.passRate)}</td>
                <td>
                  {r.passed} / {r.failed} / {r.errors} / {r.skipped}
                </td>
                <td>
                  <button type="button" class="link" onClick={() => void runs.watch(r.id)}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
