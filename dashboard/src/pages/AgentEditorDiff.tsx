// What changed from a published version to the draft, on the Publish tab: a line diff of the
// system prompt and a field-by-field list of everything else (stores/agent-diff.ts).
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { configChanges } from "../stores/agent-diff.ts";
import { lineDiff } from "../stores/agent-editor-text.ts";
import type { AgentEditorStore, VersionDetail } from "../stores/agent-editor.ts";
import { useStores } from "../stores/index.ts";

const kindText = { changed: "changed", added: "added", removed: "removed" } as const;

export function VersionDiff({ store, version }: { store: AgentEditorStore; version: number }) {
  const { agents } = useStores();
  const snapshot = useSignal<VersionDetail | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    snapshot.value = null;
    error.value = null;
    store.loadVersion(version).then(
      (v) => (snapshot.value = v),
      (e: unknown) => (error.value = errorMessage(e)),
    );
    // Webhook tools show by their code rather than their id when the space's tools are known.
    if (!store.tools.value) store.loadTools().catch(() => {});
  }, [version]);
  if (error.value) return <p class="error">{error.value}</p>;
  const v = snapshot.value;
  const draft = store.draft.value;
  if (!v || !draft) return <p class="muted">Loading version {version}…</p>;

  const toolCodes = new Map<string, string>();
  for (const t of v.snapshot.tools) if (typeof t["id"] === "string" && typeof t["code"] === "string") toolCodes.set(t["id"], t["code"]);
  for (const t of store.tools.value ?? []) toolCodes.set(t.id, t.code);
  const agentNames = new Map(agents.agents.value.map((a) => [a.id, a.name]));
  const changes = configChanges(v.snapshot.agent, draft, { toolName: (id) => toolCodes.get(id), agentName: (id) => agentNames.get(id) });
  const lines = lineDiff(v.snapshot.agent.systemPrompt, draft.systemPrompt);
  const promptChanged = lines.some((l) => l.op !== "same");

  return (
    <div class="card" data-version-diff={version}>
      <strong>
        Version {version} → draft{store.dirty.value ? " (with unsaved changes)" : ""}
      </strong>
      {!promptChanged && changes.length === 0 && <p class="muted">The draft is the same as version {version}.</p>}
      <h4>System prompt</h4>
      {promptChanged ? (
        <pre class="diff">
          {lines.map((l, i) => (
            <div key={i} class={l.op}>
              {l.op === "add" ? "+ " : l.op === "del" ? "- " : "  "}
              {l.text}
            </div>
          ))}
        </pre>
      ) : (
        <p class="muted">The prompt is the same.</p>
      )}
      <h4>Other settings</h4>
      {changes.length === 0 ? (
        <p class="muted">No other setting changed.</p>
      ) : (
        <table class="changes">
          <thead>
            <tr>
              <th>Setting</th>
              <th>Change</th>
              <th>Version {version}</th>
              <th>Draft</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={`${c.kind}:${c.field}:${c.before ?? ""}:${c.after ?? ""}`} class={c.kind}>
                <td>{c.field}</td>
                <td>{kindText[c.kind]}</td>
                <td>{c.before ?? "—"}</td>
                <td>{c.after ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
