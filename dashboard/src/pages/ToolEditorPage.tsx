// The webhook tool editor (/app/spaces/:spaceId/tools/:toolId, "new" for a new tool): the request,
// headers (secret ones write-only), headers and body schemas (property table or JSON), speech and
// transfer rules. Inline field errors (zod before sending, the API's problem errors after) with a
// summary; a conflict banner when the tool changed meanwhile; unsaved changes guarded against
// leaving (beforeunload, in-app links and back/forward). Creating opens the created tool's URL.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { spacePath, toolPath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { createToolEditorStore, type ToolEditorStore } from "../stores/tool-editor.ts";
import { formatDate } from "../ui/forms.ts";
import { fieldLabel, plainMessage } from "../ui/field-words.ts";
import { ConflictBanner } from "../ui/ConflictBanner.tsx";
import { useUnsavedGuard } from "../ui/unsaved-guard.ts";
import "../ui/editor.css";
import "../ui/tools.css";
import { HeadersSection, ParameterStyles, RequestSection, SecretQuerySection, SpeechSection, TransferRulesSection } from "./ToolEditorFields.tsx";
import { InUse } from "./ToolInUse.tsx";
import { SchemaEditor } from "./ToolSchemaEditor.tsx";

const leaveQuestion = "This tool has unsaved changes. Leave and lose them?";

export default function ToolEditorPage({ spaceId, toolId }: { spaceId: string; toolId: string }) {
  const { tools, agents, router, spaces } = useStores();
  const store = useMemo(() => createToolEditorStore({ tools, spaceId, toolId }), [spaceId, toolId]);
  const loadError = useSignal<string | null>(null);
  const agentsError = useSignal<string | null>(null);

  useEffect(() => {
    loadError.value = null;
    store.load().catch((err: unknown) => (loadError.value = errorMessage(err)));
  }, [store]);
  useEffect(() => {
    // Transfer targets: every agent of the space (a search left on the agents page would hide some).
    if (agents.spaceId.value !== spaceId || agents.search.value) agents.load(spaceId).catch((err: unknown) => (agentsError.value = `Could not load the agents: ${errorMessage(err)}`));
  }, [spaceId]);

  useUnsavedGuard(router, store.dirty, leaveQuestion);

  const tool = store.tool.value;
  const form = store.form.value;
  if (loadError.value) {
    return (
      <section>
        <p class="error">{loadError.value}</p>
        <a href={spacePath(spaceId, "tools")}>Back to the tools</a>
      </section>
    );
  }
  if (!form) return <p class="muted">Loading…</p>;
  if (tool && tool.spaceId !== spaceId) return <p class="error">This tool belongs to another space.</p>;
  const canEdit = permissionsFor(spaces.role.value).editAgents;
  const busy = store.busy.value !== null;

  const save = async () => {
    const saved = await store.save();
    if (saved && store.isNew) router.navigate(toolPath(spaceId, saved.id), { replace: true });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") {
      e.preventDefault();
      void save();
    }
  };
  const remove = async () => {
    if (!tool || !confirm(`Delete the tool "${tool.code}"? This cannot be undone.`)) return;
    if (await store.remove()) router.navigate(spacePath(spaceId, "tools"));
  };
  const discard = () => {
    if (confirm("Discard all unsaved changes?")) store.discard();
  };
  const edit = store.edit;

  return (
    <section class="editor tools" onKeyDown={onKeyDown}>
      <div class="row">
        <a href={spacePath(spaceId, "tools")}>← Tools</a>
        <h1>{tool ? tool.code : "New webhook tool"}</h1>
        {tool && <span class="muted">Saved {formatDate(tool.updatedAt)}</span>}
        <span class="spacer" />
        {store.dirty.value && <span class="badge warn">Unsaved changes</span>}
        {store.dirty.value && tool && (
          <button type="button" class="link" onClick={discard}>
            Discard
          </button>
        )}
        {tool && (
          <button type="button" class="danger-outline" onClick={() => void remove()} disabled={!canEdit || busy}>
            {store.busy.value === "deleting" ? "Deleting…" : "Delete"}
          </button>
        )}
        <button type="button" onClick={() => void save()} disabled={!canEdit || busy || (!store.isNew && !store.dirty.value)}>
          {store.busy.value === "saving" ? "Saving…" : store.isNew ? "Create tool" : "Save"}
        </button>
      </div>
      {store.conflict.value && <ConflictBanner store={store} what="tool" />}
      {store.message.value && <p class="error">{store.message.value}</p>}
      {store.notice.value && <p class="warn-text">{store.notice.value}</p>}
      {store.usedBy.value && <InUse spaceId={spaceId} agentIds={store.usedBy.value} />}
      {agentsError.value && <p class="error">{agentsError.value}</p>}
      <ErrorSummary store={store} />
      <fieldset class="tab-body stack" disabled={!canEdit}>
        <RequestSection store={store} />
        <HeadersSection store={store} />
        <SecretQuerySection store={store} />
        <div class="section stack">
          <h2>Parameters</h2>
          <SchemaEditor
            title="Body schema"
            hint={`What the LLM fills in when it calls the tool: sent as the ${form.bodyEncoding === "form" ? "form-encoded body (GET: the query string)" : "JSON body (GET and DELETE: the query string)"}; {param}s of the URL come from here.`}
            field={form.bodySchema}
            prefix="bodySchema"
            errors={store.fields.value}
            onChange={(field) => edit((f) => void (f.bodySchema = field))}
          />
          <ParameterStyles store={store} />
          <SchemaEditor
            title="Headers schema"
            hint="Headers the LLM fills in (rarely needed; fixed values belong in the headers above)."
            field={form.headersSchema}
            prefix="headersSchema"
            errors={store.fields.value}
            onChange={(field) => edit((f) => void (f.headersSchema = field))}
          />
        </div>
        <SpeechSection store={store} />
        <TransferRulesSection store={store} agents={agents.spaceId.value === spaceId ? agents.agents.value : []} />
      </fieldset>
    </section>
  );
}

function ErrorSummary({ store }: { store: ToolEditorStore }) {
  const entries = Object.entries(store.fields.value);
  if (entries.length === 0) return null;
  return (
    <ul class="error-summary">
      {entries.map(([key, message]) => (
        <li key={key}>
          <strong>{fieldLabel(key.replace(/\.rows\.(\d+)/, ".$1"))}</strong> <span class="error">{plainMessage(message)}</span>
        </li>
      ))}
    </ul>
  );
}
