// The agent editor (/app/spaces/:spaceId/agents/:agentId): tabs over one draft, saved with
// If-Match; inline field errors (zod before sending, the API's problem errors after) with a summary
// that links to the tab of each; a conflict banner on 412; unsaved changes guarded against leaving
// (beforeunload, in-app links and back/forward).
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { spacePath } from "../router.ts";
import { createAgentEditorStore, tabOfField, type AgentEditorStore, type EditorTab } from "../stores/agent-editor.ts";
import { useStores } from "../stores/index.ts";
import { focusFieldSoon } from "../stores/preflight.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { fieldLabel, plainMessage } from "../ui/field-words.ts";
import { formatDate } from "../ui/forms.ts";
import { ConflictBanner } from "../ui/ConflictBanner.tsx";
import { Tabs } from "../ui/Tabs.tsx";
import { useUnsavedGuard } from "../ui/unsaved-guard.ts";
import "../ui/editor.css";
import { ModelsTab, VariablesTab } from "./AgentEditorModels.tsx";
import { LanguagesTab } from "./AgentEditorLanguages.tsx";
import { GeneralTab } from "./AgentEditorTabs.tsx";
import { PhoneTab } from "./AgentEditorPhone.tsx";
import { TurnTab } from "./AgentEditorTurn.tsx";
import { PublishTab, ToolsTab, WidgetTab } from "./AgentEditorPublish.tsx";
import { TestCallPanel } from "./AgentTestCall.tsx";
import { TestsTab } from "./AgentTestsTab.tsx";
import { AgentEditorAnalysis } from "./AgentEditorAnalysis.tsx";
import { openedFromSearch } from "../stores/agent-tests.ts";

const tabs: [EditorTab, string][] = [
  ["general", "General"],
  ["languages", "Languages"],
  ["models", "Models"],
  ["turn", "Turn-taking"],
  ["variables", "Variables"],
  ["tools", "Tools"],
  ["widget", "Widget"],
  ["phone", "Phone"],
  ["analysis", "Analysis"],
  ["tests", "Tests"],
  ["publish", "Publish"],
];

const leaveQuestion = "This agent has unsaved changes. Leave and lose them?";

export default function AgentEditorPage({ spaceId, agentId }: { spaceId: string; agentId: string }) {
  const { api, agents, router, spaces } = useStores();
  const store = useMemo(
    () => createAgentEditorStore({ api, agentId, loadCatalog: async () => agents.catalog.value ?? agents.loadCatalog() }),
    [agentId],
  );
  const loadError = useSignal<string | null>(null);
  // `?tab=tests&case=atc_…` (a session just saved as a test) opens that tab and case.
  const opened = useMemo(() => openedFromSearch(new URL(router.here(), "http://x").search), [agentId]);
  const tab = useSignal<EditorTab>(tabs.some(([id]) => id === opened.tab) ? (opened.tab as EditorTab) : "general");
  /** A test run to show on the Tests tab (the publish gate's). */
  const openRun = useSignal<string | null>(null);
  const talking = useSignal(false);

  useEffect(() => {
    loadError.value = null;
    store.load().catch((err: unknown) => (loadError.value = errorMessage(err)));
    store.loadCatalog().catch((err: unknown) => (store.message.value = `Could not load the model catalog: ${errorMessage(err)}`));
  }, [store]);

  useUnsavedGuard(router, store.dirty, leaveQuestion);

  const agent = store.agent.value;
  const draft = store.draft.value;
  if (loadError.value) {
    return (
      <section>
        <p class="error">{loadError.value}</p>
        <a href={spacePath(spaceId, "agents")}>Back to the agents</a>
      </section>
    );
  }
  if (!agent || !draft) return <p class="muted">Loading…</p>;
  if (agent.spaceId !== spaceId) return <p class="error">This agent belongs to another space.</p>;
  const canEdit = permissionsFor(spaces.role.value).editAgents;

  const save = () => void store.save();
  const onKeyDown = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") {
      e.preventDefault();
      save();
    }
  };
  const discard = () => {
    if (confirm("Discard all unsaved changes?")) store.discard();
  };
  // A pre-flight problem opens the tab of its field and focuses the control.
  const openField = (field: string) => {
    tab.value = tabOfField(field);
    focusFieldSoon(document, field);
  };

  return (
    <section class="editor" onKeyDown={onKeyDown}>
      <div class="row">
        <a href={spacePath(spaceId, "agents")}>← Agents</a>
        <h1>{agent.name}</h1>
        {agent.published ? <span class="badge ok">Published v{agent.publishedVersion}</span> : <span class="badge">Not published</span>}
        {agent.published && store.preflight.result.value?.unpublishedChanges && (
          <span class="badge warn" title="The saved draft differs from the live version: publish to serve it">
            Unpublished changes
          </span>
        )}
        <span class="muted">Saved {formatDate(agent.updatedAt)}</span>
        <span class="spacer" />
        {store.dirty.value && <span class="badge warn">Unsaved changes</span>}
        {store.dirty.value && (
          <button type="button" class="link" onClick={discard}>
            Discard
          </button>
        )}
        <button type="button" onClick={save} disabled={!canEdit || !store.dirty.value || store.busy.value !== null}>
          {store.busy.value === "saving" ? "Saving…" : "Save"}
        </button>
        <button
          type="button"
          class="secondary"
          aria-expanded={talking.value}
          title="Test call with the saved draft (nothing is published)"
          onClick={() => (talking.value = !talking.value)}
        >
          Talk to agent
        </button>
      </div>
      {talking.value && <TestCallPanel store={store} spaceId={spaceId} onClose={() => (talking.value = false)} />}
      {store.conflict.value && <ConflictBanner store={store} what="agent" />}
      {store.message.value && <p class="error">{store.message.value}</p>}
      <ErrorSummary store={store} onOpen={openField} />
      {store.warnings.value.length > 0 && (
        <ul class="warnings">
          {store.warnings.value.map((w) => (
            <li key={w.field + w.message}>{w.message}</li>
          ))}
        </ul>
      )}
      <Tabs
        idPrefix="agent-editor"
        label="Agent settings"
        countLabel="errors"
        tabs={tabs.map(([id, label]) => ({ id, label, count: Object.keys(store.fields.value).filter((k) => tabOfField(k) === id).length }))}
        selected={tab.value}
        onSelect={(id) => (tab.value = id)}
      >
        <fieldset class="tab-body" disabled={!canEdit}>
          <TabBody
            tab={tab.value}
            store={store}
            onOpenField={openField}
            tests={{ openCaseId: opened.caseId, openRunId: openRun.value, canEdit }}
            onOpenRun={(runId) => {
              openRun.value = runId;
              tab.value = "tests";
            }}
          />
        </fieldset>
      </Tabs>
    </section>
  );
}

type TabBodyProps = {
  tab: EditorTab;
  store: AgentEditorStore;
  onOpenField: (field: string) => void;
  tests: { openCaseId: string | null; openRunId: string | null; canEdit: boolean };
  onOpenRun: (runId: string) => void;
};

function TabBody({ tab, store, onOpenField, tests, onOpenRun }: TabBodyProps) {
  switch (tab) {
    case "general":
      return <GeneralTab store={store} />;
    case "languages":
      return <LanguagesTab store={store} />;
    case "models":
      return <ModelsTab store={store} />;
    case "turn":
      return <TurnTab store={store} />;
    case "variables":
      return <VariablesTab store={store} />;
    case "tools":
      return <ToolsTab store={store} />;
    case "widget":
      return <WidgetTab store={store} />;
    case "phone":
      return <PhoneTab store={store} />;
    case "tests":
      return <TestsTab store={store} {...tests} />;
    case "analysis":
      return <AgentEditorAnalysis store={store} />;
    case "publish":
      return <PublishTab store={store} onOpenField={onOpenField} onOpenRun={onOpenRun} />;
  }
}

/** Each field error by the field's label ("German (de) · Voice"); a click opens its tab and focuses it. */
function ErrorSummary({ store, onOpen }: { store: AgentEditorStore; onOpen: (field: string) => void }) {
  const entries = Object.entries(store.fields.value);
  if (entries.length === 0) return null;
  const ctx = { locales: store.draft.value?.locales ?? [] };
  return (
    <ul class="error-summary">
      {entries.map(([key, message]) => (
        <li key={key}>
          <button type="button" class="link" onClick={() => onOpen(key)}>
            {fieldLabel(key, ctx)}
          </button>{" "}
          <span class="error">{plainMessage(message)}</span>
        </li>
      ))}
    </ul>
  );
}
