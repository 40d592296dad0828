// The "Import from OpenAPI" panel: where the document comes from (pasted text, a file, a URL), an
// optional base URL and secret headers (say, an API key) for every created tool; a preview of the
// operations with checkboxes; confirm creates the selected ones. Each source keeps its own text so
// switching between them loses nothing. A preview is tied to the inputs it was made from: once
// they change, creating waits for a new preview (what was shown is what gets created).
import { batch, computed, signal } from "@preact/signals";
import { z } from "zod";
import { HeaderName, type Tool } from "../../../packages/contracts/src/tools.ts";
import { formErrors, type FieldErrors } from "../ui/forms.ts";
import type { HeaderRow } from "./tool-form.ts";
import type { ImportRequest, ImportResult, PreviewItem, ToolsStore } from "./tools.ts";

export type ImportSource = "text" | "file" | "url";
export const maxDocumentBytes = 1024 * 1024;

export interface ImportInput {
  source: ImportSource;
  text: string;
  file: { name: string; text: string } | null;
  url: string;
  baseUrl: string;
  secrets: HeaderRow[];
}

const HttpUrl = z.url({ protocol: /^https?$/ });

/** The request for the inputs (confirm false), or field errors keyed document|url|baseUrl|secretHeaders.rows.<i>. */
export function importRequest(input: ImportInput): { request?: ImportRequest; errors: FieldErrors } {
  const errors: FieldErrors = {};
  let source: ImportRequest["source"] | undefined;
  if (input.source === "url") {
    if (!HttpUrl.safeParse(input.url.trim()).success) errors["url"] = "must be an http(s) URL";
    else source = { type: "url", url: input.url.trim() };
  } else {
    const text = input.source === "file" ? input.file?.text ?? "" : input.text;
    if (!text.trim()) errors["document"] = input.source === "file" ? "choose an OpenAPI file" : "paste an OpenAPI document (JSON or YAML)";
    else if (new TextEncoder().encode(text).length > maxDocumentBytes) errors["document"] = "is larger than 1 MB";
    else source = { type: "document", document: text };
  }
  const baseUrl = input.baseUrl.trim();
  if (baseUrl && !HttpUrl.safeParse(baseUrl).success) errors["baseUrl"] = "must be an http(s) URL";
  const secretHeaders: Record<string, string> = {};
  input.secrets.forEach((row, i) => {
    const name = row.name.trim();
    if (!name && !row.value) return;
    const key = `secretHeaders.rows.${i}`;
    if (!HeaderName.safeParse(name).success) errors[key] = name ? `"${name}" is not an HTTP header name` : "needs a header name";
    else if (!row.value) errors[key] = "needs a value";
    else if (Object.keys(secretHeaders).some((n) => n.toLowerCase() === name.toLowerCase())) errors[key] = `"${name}" appears twice`;
    else secretHeaders[name] = row.value;
  });
  if (!source || Object.keys(errors).length > 0) return { errors };
  return { request: { source, ...(baseUrl ? { baseUrl } : {}), confirm: false, secretHeaders }, errors };
}

/** A preview item's code (the draft is the API's loosely typed record). */
export const codeOf = (item: PreviewItem) => String(item.draft["code"] ?? "");
export const draftText = (item: PreviewItem, key: string) => (typeof item.draft[key] === "string" ? item.draft[key] : "");

/** The API's error fields on the panel's keys: `source.url` → url, `tools.<code>.x` stays per operation. */
function panelKey(field: string): string {
  if (field === "source.url") return "url";
  if (field.startsWith("source.document") || field.startsWith("document")) return "document";
  return field;
}

export function createToolImportStore(deps: { tools: ToolsStore; spaceId: string }) {
  const input = signal<ImportInput>({ source: "text", text: "", file: null, url: "", baseUrl: "", secrets: [] });
  const fields = signal<FieldErrors>({});
  const message = signal<string | null>(null);
  const busy = signal<null | "previewing" | "creating">(null);
  const previewed = signal<{ result: ImportResult; request: ImportRequest } | null>(null);
  const selected = signal<string[]>([]);
  const created = signal<Tool[]>([]);

  /** The inputs changed since the preview was made: creating needs a new preview. */
  const stale = computed(() => {
    const shown = previewed.value;
    if (!shown) return false;
    const now = importRequest(input.value).request;
    return !now || JSON.stringify(now) !== JSON.stringify(shown.request);
  });

  function edit(fn: (i: ImportInput) => void): void {
    const next = structuredClone(input.value);
    fn(next);
    input.value = next;
  }

  function failed(err: unknown): void {
    const f = formErrors(err);
    const mapped: FieldErrors = {};
    for (const [k, m] of Object.entries(f.fields)) mapped[panelKey(k)] ??= m;
    batch(() => {
      fields.value = mapped;
      message.value = f.message;
    });
  }

  async function preview(): Promise<boolean> {
    const { request, errors } = importRequest(input.value);
    fields.value = errors;
    message.value = null;
    if (!request) return false;
    busy.value = "previewing";
    try {
      const result = await deps.tools.importTools(deps.spaceId, request);
      batch(() => {
        previewed.value = { result, request };
        // Operations the API would refuse start unchecked.
        selected.value = result.tools.filter((t) => t.errors.length === 0).map(codeOf);
        created.value = [];
      });
      return true;
    } catch (err) {
      failed(err);
      return false;
    } finally {
      busy.value = null;
    }
  }

  function toggle(code: string, on: boolean): void {
    selected.value = on ? [...selected.value.filter((c) => c !== code), code] : selected.value.filter((c) => c !== code);
  }

  /** Create the selected operations, from exactly the request that was previewed. */
  async function confirm(): Promise<Tool[] | null> {
    const shown = previewed.value;
    if (!shown || stale.value) {
      message.value = "The inputs changed since the preview: preview again before creating.";
      return null;
    }
    if (selected.value.length === 0) {
      message.value = "Select at least one operation.";
      return null;
    }
    busy.value = "creating";
    message.value = null;
    fields.value = {};
    try {
      const result = await deps.tools.importTools(deps.spaceId, { ...shown.request, confirm: true, operations: selected.value });
      batch(() => {
        created.value = result.created;
        previewed.value = null;
        selected.value = [];
      });
      return result.created;
    } catch (err) {
      failed(err);
      return null;
    } finally {
      busy.value = null;
    }
  }

  /** Errors of one previewed operation: its own, and those a refused confirm reported for it. */
  function errorsOf(item: PreviewItem): string[] {
    const code = codeOf(item);
    const own = item.errors.map((e) => `${e.field.replace(/^draft\./, "")}: ${e.message}`);
    const prefix = `tools.${code}.`;
    const confirmed = Object.entries(fields.value).filter(([k]) => k.startsWith(prefix)).map(([k, m]) => `${k.slice(prefix.length)}: ${m}`);
    return [...new Set([...own, ...confirmed])];
  }

  return { input, fields, message, busy, previewed, selected, created, stale, edit, preview, toggle, confirm, errorsOf };
}

export type ToolImportStore = ReturnType<typeof createToolImportStore>;
