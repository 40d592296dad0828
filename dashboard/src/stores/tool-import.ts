// The "Import from OpenAPI" panel's state. Reading the document asks the API for its index of
// every importable operation (Twilio's core API: 197, Stripe's: ~400) with the drafts of the first
// page; searching and paging then run here over that index, with no request, and the selection
// (codes, stable whatever is selected) survives both. Drafts — the tool each operation becomes,
// its problems, its body encoding and the credentials its security needs — are asked for only for
// the operations on screen and those selected, and kept by code until the document changes.
// Creating sends the selected codes (at most 200) with the credentials typed for them.
import { batch, computed, signal } from "@preact/signals";
import { maxImportedTools, type ImportOperationSummary, type Tool } from "../../../packages/contracts/src/tools.ts";
import { formErrors, type FieldErrors } from "../ui/forms.ts";
import {
  codeOf,
  credentialsOf,
  documentRequest,
  emptyCredentials,
  emptyInput,
  matchingOperations,
  missingCredentials,
  sameDocument,
  sameSource,
  secretParts,
  type DocumentRequest,
  type ImportInput,
} from "./tool-import-request.ts";
import type { ImportRequest, PreviewItem, ToolsStore } from "./tools.ts";

export * from "./tool-import-request.ts";

export const pageSize = 25;
export { maxImportedTools };

export interface ImportIndex {
  request: DocumentRequest;
  operations: ImportOperationSummary[];
  warnings: string[];
}

/** The API's error fields on the panel's keys: `source.url` → url, `basicAuth.*` → the basic credential. */
function panelKey(field: string): string {
  if (field === "source.url") return "url";
  if (field.startsWith("source.document") || field.startsWith("document")) return "document";
  if (field.startsWith("basicAuth")) return "credentials.basic";
  if (field.startsWith("secretQueryParams.")) return `credentials.query.${field.slice("secretQueryParams.".length)}`;
  return field;
}

export function createToolImportStore(deps: { tools: ToolsStore; spaceId: string }) {
  const input = signal<ImportInput>(emptyInput());
  const fields = signal<FieldErrors>({});
  const message = signal<string | null>(null);
  const busy = signal<null | "reading" | "creating">(null);
  const index = signal<ImportIndex | null>(null);
  /** Drafts by code, for the document of `index`. */
  const details = signal<Record<string, PreviewItem>>({});
  const detailsError = signal<string | null>(null);
  const search = signal("");
  const page = signal(0);
  const selected = signal<string[]>([]);
  const created = signal<Tool[]>([]);
  /** Codes asked for and not answered yet (so paging back and forth asks once). */
  let pending = new Set<string>();
  /** Bumped with every new index: answers for an older document are dropped. */
  let generation = 0;

  const matching = computed(() => matchingOperations(index.value?.operations ?? [], search.value));
  const pageCount = computed(() => Math.max(1, Math.ceil(matching.value.length / pageSize)));
  const visible = computed(() => matching.value.slice(page.value * pageSize, (page.value + 1) * pageSize));
  /** The document or base URL changed since it was read: creating needs it read again. */
  const stale = computed(() => {
    const shown = index.value;
    if (!shown) return false;
    const now = documentRequest(input.value).request;
    return !now || !sameDocument(now, shown.request);
  });
  const selectedItems = computed(() => selected.value.map((c) => details.value[c]).filter((i): i is PreviewItem => i !== undefined));
  /** What to fill in: the credentials of the selected operations (of every draft seen while none is selected). */
  const credentials = computed(() => credentialsOf(selected.value.length > 0 ? selectedItems.value : Object.values(details.value)));
  const missing = computed(() => missingCredentials(input.value, credentials.value));
  /** Selected operations the API would refuse (their drafts have errors). */
  const refused = computed(() => selectedItems.value.filter((i) => i.errors.length > 0).map(codeOf));

  function edit(fn: (i: ImportInput) => void): void {
    // Shallow: the document text runs to megabytes and is replaced, never edited in place.
    const cur = input.value;
    const next: ImportInput = { ...cur, secrets: cur.secrets.map((r) => ({ ...r })), credentials: { ...cur.credentials, headers: { ...cur.credentials.headers }, query: { ...cur.credentials.query } } };
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

  const request = (doc: DocumentRequest, extra: Partial<ImportRequest>): ImportRequest => ({ ...doc, confirm: false, secretHeaders: {}, ...extra });

  /** Read the document: its index, and the drafts of the first page. */
  async function read(): Promise<boolean> {
    const { request: doc, errors } = documentRequest(input.value);
    batch(() => {
      fields.value = errors;
      message.value = null;
    });
    if (!doc) return false;
    busy.value = "reading";
    try {
      const result = await deps.tools.importTools(deps.spaceId, request(doc, { limit: pageSize }));
      const before = index.value?.request;
      generation += 1;
      pending = new Set();
      batch(() => {
        index.value = { request: doc, operations: result.operations, warnings: result.warnings };
        details.value = Object.fromEntries(result.tools.map((t) => [codeOf(t), t]));
        detailsError.value = null;
        search.value = "";
        page.value = 0;
        // Codes are stable per document: the same document read again (say, with a base URL) keeps its selection.
        const known = new Set(result.operations.map((o) => o.code));
        selected.value = before && sameSource(before, doc) ? selected.value.filter((c) => known.has(c)) : [];
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

  /** Ask for the drafts of the operations on screen and the selected ones that are not known yet. */
  async function loadDetails(): Promise<void> {
    const shown = index.value;
    if (!shown || stale.value) return;
    const want = [...new Set([...visible.value.map((o) => o.code), ...selected.value])].filter((c) => !details.value[c] && !pending.has(c));
    if (want.length === 0) return;
    const asked = generation;
    want.forEach((c) => pending.add(c));
    try {
      for (let i = 0; i < want.length; i += maxImportedTools) {
        const codes = want.slice(i, i + maxImportedTools);
        const result = await deps.tools.importTools(deps.spaceId, request(shown.request, { operations: codes }));
        if (asked !== generation) return;
        details.value = { ...details.value, ...Object.fromEntries(result.tools.map((t) => [codeOf(t), t])) };
      }
      detailsError.value = null;
    } catch (err) {
      if (asked === generation) detailsError.value = `Could not load the operations' details: ${formErrors(err).message ?? "unknown error"}`;
    } finally {
      if (asked === generation) want.forEach((c) => pending.delete(c));
    }
  }

  function setSearch(q: string): void {
    batch(() => {
      search.value = q;
      page.value = 0;
    });
  }

  function setPage(n: number): void {
    page.value = Math.min(Math.max(0, n), pageCount.value - 1);
  }

  function toggle(code: string, on: boolean): void {
    if (on && !selected.value.includes(code)) {
      if (selected.value.length >= maxImportedTools) {
        message.value = `At most ${maxImportedTools} operations per import: deselect some first.`;
        return;
      }
      selected.value = [...selected.value, code];
    } else if (!on) selected.value = selected.value.filter((c) => c !== code);
  }

  /** Add every matching operation (but those known to be refused) to the selection, up to 200 in all; says how many it added. */
  function selectAllMatching(): { added: number; left: number } {
    const have = new Set(selected.value);
    const candidates = matching.value.filter((o) => !have.has(o.code) && !(details.value[o.code]?.errors.length ?? 0));
    const room = Math.max(0, maxImportedTools - have.size);
    const added = candidates.slice(0, room).map((o) => o.code);
    batch(() => {
      selected.value = [...selected.value, ...added];
      message.value = candidates.length > room ? `Selected ${added.length} of ${candidates.length} matching operations: at most ${maxImportedTools} per import.` : null;
    });
    return { added: added.length, left: candidates.length - added.length };
  }

  function clearSelection(): void {
    selected.value = [];
  }

  /** Create the selected operations with the credentials typed for them. */
  async function confirm(): Promise<Tool[] | null> {
    const shown = index.value;
    if (!shown || stale.value) {
      message.value = "The document changed since it was read: read it again before creating.";
      return null;
    }
    if (selected.value.length === 0) {
      message.value = "Select at least one operation.";
      return null;
    }
    if (refused.value.length > 0) {
      message.value = `Deselect the operations that cannot be imported: ${refused.value.join(", ")}.`;
      return null;
    }
    const { parts, errors } = secretParts(input.value, credentials.value);
    if (Object.keys(errors).length > 0) {
      batch(() => {
        fields.value = errors;
        message.value = "Some credentials need a change.";
      });
      return null;
    }
    busy.value = "creating";
    batch(() => {
      message.value = null;
      fields.value = {};
    });
    try {
      const result = await deps.tools.importTools(deps.spaceId, { ...request(shown.request, parts), confirm: true, operations: selected.value });
      batch(() => {
        created.value = result.created;
        selected.value = [];
        // The secrets were sent once; they are not kept in the page.
        edit((i) => void ((i.credentials = emptyCredentials()), (i.secrets = [])));
      });
      return result.created;
    } catch (err) {
      failed(err);
      return null;
    } finally {
      busy.value = null;
    }
  }

  /** Errors of one operation: its draft's own, and those a refused confirm reported for it. */
  function errorsOf(code: string): string[] {
    const own = (details.value[code]?.errors ?? []).map((e) => `${e.field.replace(/^draft\./, "")}: ${e.message}`);
    const prefix = `tools.${code}.`;
    const confirmed = Object.entries(fields.value)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, m]) => `${k.slice(prefix.length)}: ${m}`);
    return [...new Set([...own, ...confirmed])];
  }

  return {
    input,
    fields,
    message,
    busy,
    index,
    details,
    detailsError,
    search,
    page,
    selected,
    created,
    matching,
    pageCount,
    visible,
    stale,
    credentials,
    missing,
    refused,
    edit,
    read,
    loadDetails,
    setSearch,
    setPage,
    toggle,
    selectAllMatching,
    clearSelection,
    confirm,
    errorsOf,
  };
}

export type ToolImportStore = ReturnType<typeof createToolImportStore>;
