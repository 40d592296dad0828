// Platform Admin: the provider catalog, disabled models included. Add a model, enable or
// disable one (agents may only choose enabled ones), edit its name, languages and defaults.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ModelKind, type CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import { AdminNav } from "./AdminNav.tsx";
import { CreateModelForm, EditModelForm, kindLabels } from "./AdminCatalogForms.tsx";

export default function AdminCatalogPage() {
  const { admin } = useStores();
  const catalog = admin.catalog;
  const kind = useSignal<ModelKind | "all">("all");
  const adding = useSignal(false);
  const editing = useSignal<string | null>(null);
  const rowError = useSignal<string | null>(null);
  useEffect(() => void catalog.load(), []);

  const toggle = (m: CatalogModel) => {
    rowError.value = null;
    catalog.setEnabled(m.id, !m.enabled).catch((err: unknown) => (rowError.value = `${m.displayName}: ${errorMessage(err)}`));
  };
  const shown = catalog.models.value.filter((m) => kind.value === "all" || m.kind === kind.value);

  return (
    <section>
      <AdminNav current="catalog" />
      <h1>Model catalog</h1>
      <p class="muted">Agents may choose only enabled models: an agent saved with a disabled one is refused.</p>
      <div class="row">
        <label class="inline">
          Kind
          <select value={kind.value} onChange={(e) => (kind.value = e.currentTarget.value === "all" ? "all" : ModelKind.parse(e.currentTarget.value))}>
            <option value="all">All</option>
            {ModelKind.options.map((k) => (
              <option key={k} value={k}>
                {kindLabels[k]}
              </option>
            ))}
          </select>
        </label>
        <span class="spacer" />
        {!adding.value && <button onClick={() => (adding.value = true)}>Add a model</button>}
      </div>
      {adding.value && (
        <>
          <CreateModelForm onDone={() => (adding.value = false)} />
          <button class="link" onClick={() => (adding.value = false)}>
            Close
          </button>
        </>
      )}
      {catalog.error.value && <p class="error">{catalog.error.value}</p>}
      {rowError.value && <p class="error">{rowError.value}</p>}
      <table>
        <thead>
          <tr>
            <th>Kind</th>
            <th>Provider</th>
            <th>Model</th>
            <th>Display name</th>
            <th>Languages</th>
            <th>Status</th>
            <th><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {shown.map((m) =>
            editing.value === m.id ? (
              <tr key={m.id}>
                <td colSpan={7}>
                  <p>
                    <strong>{kindLabels[m.kind]}</strong> · {m.provider} · <code>{m.model}</code>
                  </p>
                  <EditModelForm model={m} onDone={() => (editing.value = null)} />
                </td>
              </tr>
            ) : (
              <tr key={m.id} class={m.enabled ? "" : "muted"}>
                <td>{kindLabels[m.kind]}</td>
                <td>
                  {m.provider}
                  {m.offline && <span class="badge"> offline</span>}
                </td>
                <td>
                  <code>{m.model}</code>
                </td>
                <td>{m.displayName}</td>
                <td>{m.languages.length > 0 ? m.languages.join(", ") : "any"}</td>
                <td>{m.enabled ? <span class="badge ok">Enabled</span> : <span class="badge">Disabled</span>}</td>
                <td class="row">
                  <button class="link" onClick={() => toggle(m)}>
                    {m.enabled ? "Disable" : "Enable"}
                  </button>
                  <button class="link" onClick={() => (editing.value = m.id)}>
                    Edit
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {shown.length === 0 && <p class="muted">{catalog.loading.value ? "Loading…" : "No models of this kind."}</p>}
    </section>
  );
}
