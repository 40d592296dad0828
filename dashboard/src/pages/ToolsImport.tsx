// "Import from OpenAPI": the document (a file up to 10 MB, pasted JSON/YAML, or a URL the API
// fetches) and an optional base URL; "Read the document" lists every operation it holds (search,
// pages, checkboxes whose selection survives both, ToolsImportList.tsx); the credentials the
// selected operations' security asks for (ToolsImportCredentials.tsx); "Create selected" creates
// them and lists the created tools with links to their editors.
import { useMemo } from "preact/hooks";
import { toolPath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { createToolImportStore, maxDocumentBytes, maxDocumentLabel, maxImportedTools, type ImportSource, type ToolImportStore } from "../stores/tool-import.ts";
import { Field } from "../ui/fields.tsx";
import { ImportCredentials } from "./ToolsImportCredentials.tsx";
import { OperationIndex } from "./ToolsImportList.tsx";

const sources: [ImportSource, string][] = [
  ["file", "Upload a file"],
  ["url", "From a URL"],
  ["text", "Paste"],
];

export function ImportPanel({ spaceId }: { spaceId: string }) {
  const { tools } = useStores();
  const store = useMemo(() => createToolImportStore({ tools, spaceId }), [spaceId]);
  const input = store.input.value;
  const err = (key: string) => store.fields.value[key];
  const chooseFile = (file: File | undefined) => {
    if (!file) return;
    if (file.size > maxDocumentBytes) {
      store.fields.value = { ...store.fields.value, document: `${file.name} is larger than ${maxDocumentLabel}` };
      return;
    }
    file.text().then(
      (text) => {
        store.edit((i) => void (i.file = { name: file.name, text }));
        store.fields.value = Object.fromEntries(Object.entries(store.fields.value).filter(([k]) => k !== "document"));
      },
      (e: unknown) => (store.fields.value = { ...store.fields.value, document: `could not read ${file.name}: ${e instanceof Error ? e.message : String(e)}` }),
    );
  };

  return (
    <form class="card stack import" aria-label="Import from OpenAPI" onSubmit={(e) => (e.preventDefault(), void store.read())} noValidate>
      <h2>Import from OpenAPI</h2>
      <div class="source-tabs" role="radiogroup" aria-label="Document source">
        {sources.map(([id, label]) => (
          <label key={id}>
            <input type="radio" name="import-source" checked={input.source === id} onChange={() => store.edit((i) => void (i.source = id))} />
            {label}
          </label>
        ))}
      </div>
      {input.source === "file" && (
        <Field label={`OpenAPI 3.x file (.json, .yaml, .yml; up to ${maxDocumentLabel})`} error={err("document")} {...(input.file ? { hint: `${input.file.name}: ${sizeText(input.file.text.length)} read` } : {})}>
          <input type="file" accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml" onChange={(e) => chooseFile(e.currentTarget.files?.[0])} />
        </Field>
      )}
      {input.source === "url" && (
        <Field label="Document URL" error={err("url")} hint={`Fetched by the Speaknode API (up to ${maxDocumentLabel}), so it must be reachable from the internet`}>
          <input type="url" value={input.url} placeholder="https://api.example.com/openapi.json" onInput={(e) => store.edit((i) => void (i.url = e.currentTarget.value))} />
        </Field>
      )}
      {input.source === "text" && (
        <Field label="OpenAPI 3.x document (JSON or YAML)" error={err("document")}>
          <textarea rows={10} spellcheck={false} value={input.text} placeholder="openapi: 3.1.0" onInput={(e) => store.edit((i) => void (i.text = e.currentTarget.value))} />
        </Field>
      )}
      <Field label="Base URL (optional)" error={err("baseUrl")} hint="Replaces the document's server URL, or supplies one it lacks">
        <input type="url" value={input.baseUrl} placeholder="https://api.example.com/v1" onInput={(e) => store.edit((i) => void (i.baseUrl = e.currentTarget.value))} />
      </Field>
      <div class="row">
        <button type="submit" disabled={store.busy.value !== null}>
          {store.busy.value === "reading" ? "Reading the document…" : store.index.value ? "Read it again" : "Read the document"}
        </button>
        {store.message.value && (
          <span class="error" role="alert">
            {store.message.value}
          </span>
        )}
      </div>
      <OtherErrors store={store} />
      {store.index.value && (
        <>
          {store.stale.value && <p class="warn-text">The document or base URL changed since it was read: read it again before creating.</p>}
          {store.index.value.warnings.length > 0 && (
            <details class="warnings">
              <summary>
                {store.index.value.warnings.length} warning{store.index.value.warnings.length === 1 ? "" : "s"} about the document
              </summary>
              <ul>
                {store.index.value.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </details>
          )}
          <OperationIndex store={store} />
          <ImportCredentials store={store} />
          <CreateRow store={store} />
        </>
      )}
      <Created store={store} spaceId={spaceId} />
    </form>
  );
}

function sizeText(chars: number): string {
  return chars >= 1024 * 1024 ? `${(chars / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(chars / 1024)} KB`;
}

const panelKeys = (k: string) => ["document", "url", "baseUrl"].includes(k) || k.startsWith("secretHeaders.") || k.startsWith("credentials.") || k.startsWith("tools.");

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

function CreateRow({ store }: { store: ToolImportStore }) {
  const count = store.selected.value.length;
  return (
    <div class="row">
      <button type="button" onClick={() => void store.confirm()} disabled={store.busy.value !== null || store.stale.value || count === 0}>
        {store.busy.value === "creating" ? "Creating…" : `Create ${count} tool${count === 1 ? "" : "s"}`}
      </button>
      <span class="muted">At most {maxImportedTools} per import.</span>
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
              {t.bodyEncoding === "form" ? " · form-encoded" : ""}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
