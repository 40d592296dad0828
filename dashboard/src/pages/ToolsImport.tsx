// "Import from OpenAPI": the document (pasted JSON/YAML, a file, or a URL the API fetches), an
// optional base URL and secret headers for every created tool; "Preview" lists the operations
// with their problems and checkboxes; "Create selected" creates exactly what was previewed and
// lists the created tools with links to their editors.
import { useMemo } from "preact/hooks";
import { toolPath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { codeOf, createToolImportStore, draftText, maxDocumentBytes, type ImportSource, type ToolImportStore } from "../stores/tool-import.ts";
import { Field } from "../ui/fields.tsx";
import { KeyValueRows } from "../ui/KeyValueRows.tsx";

const sources: [ImportSource, string][] = [
  ["text", "Paste"],
  ["file", "Upload a file"],
  ["url", "From a URL"],
];

export function ImportPanel({ spaceId }: { spaceId: string }) {
  const { tools } = useStores();
  const store = useMemo(() => createToolImportStore({ tools, spaceId }), [spaceId]);
  const input = store.input.value;
  const err = (key: string) => store.fields.value[key];
  const chooseFile = (file: File | undefined) => {
    if (!file) return;
    if (file.size > maxDocumentBytes) {
      store.fields.value = { ...store.fields.value, document: `${file.name} is larger than 1 MB` };
      return;
    }
    file.text().then(
      (text) => store.edit((i) => void (i.file = { name: file.name, text })),
      (e: unknown) => (store.fields.value = { ...store.fields.value, document: `could not read ${file.name}: ${e instanceof Error ? e.message : String(e)}` }),
    );
  };
  // Headers the API's security schemes ask for, not given yet.
  const hinted = [...new Set(store.previewed.value?.result.tools.flatMap((t) => t.securityHints) ?? [])].filter((h) => !input.secrets.some((r) => r.name.trim().toLowerCase() === h.toLowerCase()));

  return (
    <form class="card stack" onSubmit={(e) => (e.preventDefault(), void store.preview())} noValidate>
      <h2>Import from OpenAPI</h2>
      <div class="source-tabs" role="radiogroup" aria-label="Document source">
        {sources.map(([id, label]) => (
          <label key={id}>
            <input type="radio" name="import-source" checked={input.source === id} onChange={() => store.edit((i) => void (i.source = id))} />
            {label}
          </label>
        ))}
      </div>
      {input.source === "text" && (
        <Field label="OpenAPI 3.x document (JSON or YAML)" error={err("document")}>
          <textarea rows={10} spellcheck={false} value={input.text} placeholder="openapi: 3.1.0" onInput={(e) => store.edit((i) => void (i.text = e.currentTarget.value))} />
        </Field>
      )}
      {input.source === "file" && (
        <Field label="OpenAPI file (.json, .yaml, .yml; up to 1 MB)" error={err("document")} {...(input.file ? { hint: `${input.file.name}: ${input.file.text.length} characters read` } : {})}>
          <input type="file" accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml" onChange={(e) => chooseFile(e.currentTarget.files?.[0])} />
        </Field>
      )}
      {input.source === "url" && (
        <Field label="Document URL" error={err("url")} hint="Fetched by the Speaknode API, so it must be reachable from the internet">
          <input type="url" value={input.url} placeholder="https://api.example.com/openapi.json" onInput={(e) => store.edit((i) => void (i.url = e.currentTarget.value))} />
        </Field>
      )}
      <Field label="Base URL (optional)" error={err("baseUrl")} hint="Replaces the document's server URL, or supplies one it lacks">
        <input type="url" value={input.baseUrl} placeholder="https://api.example.com/v1" onInput={(e) => store.edit((i) => void (i.baseUrl = e.currentTarget.value))} />
      </Field>
      <div class="stack">
        <strong>Secret headers (optional)</strong>
        <small class="muted">Given to every created tool, e.g. its API key. Stored encrypted and never shown again.</small>
        <KeyValueRows
          label="Import secret header"
          secret
          rows={input.secrets}
          onChange={(rows) => store.edit((i) => void (i.secrets = rows))}
          errorOf={(i, row) => err(`secretHeaders.rows.${i}`) ?? (row.name.trim() ? err(`secretHeaders.${row.name.trim()}`) : undefined)}
          namePlaceholder="X-Api-Key"
          valuePlaceholder="secret value"
          addLabel="Add a secret header"
        />
        {hinted.length > 0 && (
          <p class="warn-text">
            The API's security asks for:{" "}
            {hinted.map((h) => (
              <button key={h} type="button" class="link" onClick={() => store.edit((i) => void (i.secrets = [...i.secrets, { name: h, value: "" }]))}>
                add {h}
              </button>
            ))}
          </p>
        )}
      </div>
      <div class="row">
        <button type="submit" disabled={store.busy.value !== null}>
          {store.busy.value === "previewing" ? "Reading the document…" : "Preview"}
        </button>
        {store.message.value && <span class="error">{store.message.value}</span>}
      </div>
      <OtherErrors store={store} />
      <Preview store={store} />
      <Created store={store} spaceId={spaceId} />
    </form>
  );
}

const panelKeys = (k: string) => ["document", "url", "baseUrl"].includes(k) || k.startsWith("secretHeaders.") || k.startsWith("tools.");

/** Errors no input shows (say, a malformed document's `paths./x.get` or an unknown operation). */
function OtherErrors({ store }: { store: ToolImportStore }) {
  const other = Object.entries(store.fields.value).filter(([k]) => !panelKeys(k));
  if (other.length === 0) return null;
  return (
    <ul class="error-summary">
      {other.map(([k, m]) => (
        <li key={k}>
          <code>{k}</code> <span class="error">{m}</span>
        </li>
      ))}
    </ul>
  );
}

function Preview({ store }: { store: ToolImportStore }) {
  const shown = store.previewed.value;
  if (!shown) return null;
  const items = shown.result.tools;
  const selected = new Set(store.selected.value);
  const selectable = items.filter((t) => t.errors.length === 0).map(codeOf);
  return (
    <div class="stack">
      <h3>
        {items.length} operation{items.length === 1 ? "" : "s"} found
      </h3>
      {shown.result.warnings.length > 0 && (
        <ul class="warnings">
          {shown.result.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {store.stale.value && <p class="warn-text">The inputs changed since this preview: preview again before creating.</p>}
      {items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all valid operations"
                  checked={selectable.length > 0 && selectable.every((c) => selected.has(c))}
                  onChange={(e) => (store.selected.value = e.currentTarget.checked ? selectable : [])}
                />
              </th>
              <th>Code</th>
              <th>Request</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const code = codeOf(item);
              const errors = store.errorsOf(item);
              return (
                <tr key={`${item.source.method} ${item.source.path}`} class={errors.length ? "has-errors" : ""}>
                  <td>
                    <input type="checkbox" aria-label={`Create ${code}`} checked={selected.has(code)} disabled={item.errors.length > 0} onChange={(e) => store.toggle(code, e.currentTarget.checked)} />
                  </td>
                  <td>
                    <code>{code}</code>
                  </td>
                  <td class="url">
                    <span class="method">{draftText(item, "method") || item.source.method.toUpperCase()}</span>
                    {draftText(item, "url") || item.source.path}
                    {item.needsBaseUrl && <div class="warn-text">Needs a base URL: the document has no absolute server.</div>}
                    {item.securityHints.length > 0 && <div class="muted">Secret headers it needs: {item.securityHints.join(", ")}</div>}
                  </td>
                  <td>
                    {draftText(item, "description")}
                    {errors.length > 0 && (
                      <ul class="errors">
                        {errors.map((e) => (
                          <li key={e}>{e}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div class="row">
        <button type="button" onClick={() => void store.confirm()} disabled={store.busy.value !== null || store.stale.value || selected.size === 0}>
          {store.busy.value === "creating" ? "Creating…" : `Create selected (${selected.size})`}
        </button>
      </div>
    </div>
  );
}

function Created({ store, spaceId }: { store: ToolImportStore; spaceId: string }) {
  const created = store.created.value;
  if (created.length === 0) return null;
  return (
    <div class="card" role="status">
      <strong>
        Created {created.length} tool{created.length === 1 ? "" : "s"}:
      </strong>
      <ul>
        {created.map((t) => (
          <li key={t.id}>
            <a href={toolPath(spaceId, t.id)}>
              <code>{t.code}</code>
            </a>{" "}
            <span class="muted">
              {t.method} {t.url}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
