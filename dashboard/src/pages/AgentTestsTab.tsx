// The agent editor's Tests tab: the agent's test cases (caller kind, required toggle, last result),
// the case editor, "Run now" with the run shown live, and the history of runs per version.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { createAgentTestsStore } from "../stores/agent-tests.ts";
import { createTestRunsStore } from "../stores/agent-tests-runs.ts";
import { useStores } from "../stores/index.ts";
import "../ui/agent-tests.css";
import { CaseEditor } from "./AgentTestsEditor.tsx";
import { agentList, toolList } from "./AgentTestsExpect.tsx";
import { RunDetail, StatusBadge } from "./AgentTestsResult.tsx";
import { RunHistory, RunNow } from "./AgentTestsRuns.tsx";

export function TestsTab(props: { store: AgentEditorStore; openCaseId?: string | null; openRunId?: string | null; canEdit: boolean }) {
  const { store } = props;
  const { api, agents } = useStores();
  const tests = useMemo(() => createAgentTestsStore({ api, agentId: store.agentId, variables: () => store.agent.value?.variables }), [store.agentId]);
  const runs = useMemo(() => createTestRunsStore({ api, agentId: store.agentId }), [store.agentId]);
  const selected = useSignal<string[]>([]);
  const error = useSignal<string | null>(null);

  useEffect(() => {
    tests.load().catch(() => undefined);
    runs.loadRuns().catch(() => undefined);
    store.loadTools().catch(() => undefined);
    if (store.versions.value === null) store.loadVersions().catch(() => undefined);
    const spaceId = store.agent.value?.spaceId;
    if (spaceId && agents.spaceId.value !== spaceId) agents.load(spaceId).catch(() => undefined);
    return () => runs.stop();
  }, [tests, runs]);
  useEffect(() => {
    if (props.openCaseId) tests.open(props.openCaseId).catch((e: unknown) => (error.value = errorMessage(e)));
  }, [props.openCaseId]);
  useEffect(() => {
    if (props.openRunId) void runs.watch(props.openRunId);
  }, [props.openRunId]);

  const agent = store.agent.value;
  if (!agent) return null;
  const cases = tests.cases.value;
  const toolCodes = [
    ...(store.tools.value ?? []).filter((t) => agent.tools.some((r) => r.type === "webhook" && r.toolId === t.id)).map((t) => t.code),
    ...agent.tools.flatMap((r) => (r.type === "system" ? [r.name] : [])),
  ];
  const toggle = (id: string, on: boolean) => (selected.value = on ? [...selected.value, id] : selected.value.filter((x) => x !== id));
  const remove = (id: string, name: string) => {
    if (confirm(`Delete the test case "${name}"? Its past results stay in the runs that included it.`)) {
      void tests.remove(id);
      selected.value = selected.value.filter((x) => x !== id);
    }
  };
  return (
    <div class="stack agent-tests">
      <datalist id={toolList}>
        {toolCodes.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <datalist id={agentList}>
        {agents.agents.value
          .filter((a) => a.id !== agent.id)
          .map((a) => (
            <option key={a.id} value={a.name} />
          ))}
      </datalist>
      <p class="muted">
        Test cases run against the saved draft or a published version, with tool mocks instead of real APIs. Required cases must pass before publishing.
        {store.dirty.value && " Runs use the saved draft: save your changes first."}
      </p>
      {error.value && <p class="error">{error.value}</p>}
      {tests.listError.value && <p class="error">{tests.listError.value}</p>}
      <div class="row">
        <h3>Test cases</h3>
        <span class="spacer" />
        <button type="button" class="secondary" onClick={tests.openNew} disabled={!props.canEdit}>
          New test case
        </button>
      </div>
      {cases === null ? (
        <p class="muted">Loading…</p>
      ) : cases.length === 0 ? (
        <p class="muted">No test cases yet. Create one, or save a call as a test from its session page.</p>
      ) : (
        <table class="test-cases">
          <thead>
            <tr>
              <th>
                <span class="visually-hidden">Select</span>
              </th>
              <th>Name</th>
              <th>Caller</th>
              <th>Required</th>
              <th>Last result</th>
              <th>
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c) => {
              const last = runs.last.value.get(c.id);
              return (
                <tr key={c.id} class={tests.openId.value === c.id ? "selected" : ""}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${c.name}`} checked={selected.value.includes(c.id)} onChange={(e) => toggle(c.id, e.currentTarget.checked)} />
                  </td>
                  <td>
                    <button type="button" class="link" onClick={() => void tests.open(c.id)}>
                      {c.name}
                    </button>
                    {c.sourceSessionId && <span class="muted"> (from a call)</span>}
                  </td>
                  <td>{c.caller.kind === "scripted" ? `scripted, ${c.caller.turns.length} turn${c.caller.turns.length === 1 ? "" : "s"}` : `simulated, ≤ ${c.caller.maxTurns} turns`}</td>
                  <td>
                    <input type="checkbox" aria-label={`${c.name} required to publish`} checked={c.required} disabled={!props.canEdit} onChange={(e) => void tests.setRequired(c.id, e.currentTarget.checked)} />
                  </td>
                  <td>
                    {last ? (
                      <button type="button" class="link" title="Open that run" onClick={() => void runs.watch(last.runId)}>
                        <StatusBadge status={last.verdict} />
                      </button>
                    ) : (
                      <span class="muted">not run</span>
                    )}
                  </td>
                  <td>
                    <button type="button" class="link danger" disabled={!props.canEdit} onClick={() => remove(c.id, c.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {tests.form.value && store.draft.value && <CaseEditor tests={tests} agent={store.draft.value} />}
      <RunNow runs={runs} selected={selected.value} total={cases?.length ?? 0} versions={store.versions.value} disabled={!props.canEdit} />
      {runs.error.value && <p class="error">{runs.error.value}</p>}
      <RunDetail runs={runs} onClose={runs.closeRun} />
      <RunHistory runs={runs} versions={store.versions.value} />
    </div>
  );
}
