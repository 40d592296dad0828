// The Publish tab's pre-flight: what stops the saved draft from working, each problem in words
// with a button that opens its tab and focuses its field; publishing is refused while problems
// remain, and an Owner may publish anyway (confirmed, recorded with the version).
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { PreflightProblem } from "../../../packages/contracts/src/problem.ts";
import { tabOfField, type AgentEditorStore, type EditorTab } from "../stores/agent-editor.ts";
import { useStores } from "../stores/index.ts";
import { formatDate } from "../ui/forms.ts";

const tabNames: Record<EditorTab, string> = {
  general: "General",
  languages: "Languages",
  models: "Models",
  turn: "Turn-taking",
  variables: "Variables",
  tools: "Tools",
  widget: "Widget",
  phone: "Phone",
  analysis: "Analysis",
  tests: "Tests",
  publish: "Publish",
};

export function PreflightCard(props: { store: AgentEditorStore; onOpenField: ((field: string) => void) | undefined }) {
  const { store } = props;
  const { spaces } = useStores();
  const note = useSignal("");
  const version = store.agent.value?.version;
  // Fresh on every visit: keys and runtimes may have changed since the editor opened.
  useEffect(() => void store.preflight.check(), [version]);
  const agent = store.agent.value;
  if (!agent) return null;
  const { result, checking, error } = store.preflight;
  const problems = result.value?.problems ?? [];
  const owner = spaces.role.value === "owner";
  const busy = store.busy.value !== null;
  const blocked = problems.length > 0;
  const publish = async (force: boolean) => {
    if (force && !confirm(`Publish with ${problems.length === 1 ? "1 problem" : `${problems.length} problems`}? Callers may meet them; the problems are recorded with the version.`)) return;
    if (await store.publish(note.value, { force })) note.value = "";
  };
  return (
    <div class="card stack" aria-busy={checking.value}>
      <p>
        {agent.published ? (
          <>
            Serving <span class="badge ok">version {agent.publishedVersion}</span>
            {result.value?.unpublishedChanges && " — the saved draft has changes that are not live yet."}
          </>
        ) : (
          "Not published: the widget, public link and numbers do not answer."
        )}
      </p>
      <h3>Pre-flight checks</h3>
      {error.value && <p class="error">{error.value}</p>}
      {!result.value && checking.value && <p class="muted">Checking the saved draft…</p>}
      {result.value && problems.length === 0 && <p role="status">Every check passed (checked {formatDate(result.value.checkedAt)}).</p>}
      {problems.length > 0 && (
        <>
          <p class="warn-text">{problems.length === 1 ? "1 problem stops" : `${problems.length} problems stop`} this agent from working as configured:</p>
          <ul class="problems">
            {problems.map((p) => (
              <ProblemItem key={`${p.code}:${p.field}`} problem={p} onOpenField={props.onOpenField} />
            ))}
          </ul>
        </>
      )}
      {store.dirty.value && <p class="warn-text">Publishing freezes the saved draft: save your changes first (the checks run on the saved draft).</p>}
      <div class="row">
        <input aria-label="Version note" placeholder="Note for this version (optional)" maxLength={200} value={note.value} onInput={(e) => (note.value = e.currentTarget.value)} />
        <button type="button" onClick={() => void publish(false)} disabled={busy || store.dirty.value || blocked} title={blocked ? "Fix the problems above first" : undefined}>
          {store.busy.value === "publishing" ? "Working…" : "Publish the draft"}
        </button>
        {blocked && owner && (
          <button type="button" class="danger-outline" onClick={() => void publish(true)} disabled={busy || store.dirty.value}>
            Publish anyway
          </button>
        )}
        <button type="button" class="link" onClick={() => void store.preflight.check()} disabled={checking.value}>
          {checking.value ? "Checking…" : "Check again"}
        </button>
      </div>
      {blocked && !owner && <p class="muted">Only an Owner of this space can publish despite these problems.</p>}
    </div>
  );
}

function ProblemItem({ problem, onOpenField }: { problem: PreflightProblem; onOpenField: ((field: string) => void) | undefined }) {
  const tab = tabOfField(problem.field);
  return (
    <li>
      <span>{problem.message}</span>{" "}
      {onOpenField && tab !== "publish" && (
        <button type="button" class="link" onClick={() => onOpenField(problem.field)}>
          Fix it on the {tabNames[tab]} tab
        </button>
      )}
    </li>
  );
}
