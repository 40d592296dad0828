// The "Import numbers" dialog: pick a connection, page through the numbers its provider account
// holds (the provider's page tokens: forward with the token of the page shown, back with the ones
// remembered), tick the numbers to import across pages (already imported ones cannot be), optionally
// bind them all to an agent, and import. One store per open dialog; `applyImportEvent` is pure.
import { batch, computed, signal } from "@preact/signals";
import { ImportedPhoneNumbers, ImportPhoneNumbersBody, ProviderPhoneNumberPage, type PhoneNumber, type ProviderPhoneNumber } from "../../../packages/contracts/src/telephony.ts";
import type { Api } from "../api/client.ts";
import { formErrors, zodFieldErrors, type FieldErrors } from "../ui/forms.ts";

export const importPageSize = 20;
/** The most numbers one import takes (ImportPhoneNumbersBody). */
export const maxImport = 100;

export type ImportEvent =
  | { type: "opened"; connectionId: string }
  | { type: "page.loading"; connectionId: string; index: number }
  | { type: "page.loaded"; connectionId: string; index: number; numbers: ProviderPhoneNumber[]; nextPageToken: string | null }
  | { type: "page.failed"; connectionId: string; message: string }
  | { type: "toggled"; number: ProviderPhoneNumber; on: boolean }
  | { type: "page.toggled"; on: boolean };

export function createImportState() {
  return {
    connectionId: signal<string | null>(null),
    /** Page tokens of the pages reached so far: [null (the first page), token of the 2nd, …]. */
    tokens: signal<(string | null)[]>([null]),
    index: signal(0),
    numbers: signal<ProviderPhoneNumber[] | null>(null),
    nextPageToken: signal<string | null>(null),
    loading: signal(false),
    error: signal<string | null>(null),
    /** Ticked numbers by provider id, kept while paging. */
    selected: signal<Record<string, ProviderPhoneNumber>>({}),
  };
}
export type ImportState = ReturnType<typeof createImportState>;

/** A number not imported into this space yet. */
export const importable = (n: ProviderPhoneNumber) => n.phoneNumberId === null;

export function applyImportEvent(s: ImportState, event: ImportEvent): void {
  batch(() => {
    if (event.type !== "opened" && "connectionId" in event && event.connectionId !== s.connectionId.value) return;
    switch (event.type) {
      case "opened":
        // Another account's numbers are another list: nothing ticked carries over.
        s.connectionId.value = event.connectionId;
        s.tokens.value = [null];
        s.index.value = 0;
        s.numbers.value = null;
        s.nextPageToken.value = null;
        s.selected.value = {};
        s.error.value = null;
        break;
      case "page.loading":
        s.loading.value = true;
        s.error.value = null;
        break;
      case "page.loaded": {
        s.loading.value = false;
        s.index.value = event.index;
        s.numbers.value = event.numbers;
        s.nextPageToken.value = event.nextPageToken;
        const tokens = s.tokens.value.slice(0, event.index + 1);
        if (event.nextPageToken !== null) tokens[event.index + 1] = event.nextPageToken;
        s.tokens.value = tokens;
        break;
      }
      case "page.failed":
        s.loading.value = false;
        s.error.value = event.message;
        break;
      case "toggled": {
        if (!importable(event.number)) return;
        const { [event.number.providerNumberId]: _was, ...rest } = s.selected.value;
        if (event.on && Object.keys(rest).length >= maxImport) {
          s.error.value = `At most ${maxImport} numbers can be imported at once.`;
          return;
        }
        s.selected.value = event.on ? { ...rest, [event.number.providerNumberId]: event.number } : rest;
        break;
      }
      case "page.toggled": {
        const next = { ...s.selected.value };
        for (const n of (s.numbers.value ?? []).filter(importable)) {
          if (!event.on) delete next[n.providerNumberId];
          else if (Object.keys(next).length < maxImport || next[n.providerNumberId]) next[n.providerNumberId] = n;
        }
        s.selected.value = next;
        break;
      }
    }
  });
}

/** The POST body for the ticked numbers, or what is wrong with it. */
export function importBody(connectionId: string | null, selected: Record<string, ProviderPhoneNumber>, agentId: string): { ok: true; body: ImportPhoneNumbersBody } | { ok: false; fields: FieldErrors } {
  if (!connectionId) return { ok: false, fields: { connectionId: "pick a connection" } };
  const ids = Object.keys(selected);
  if (ids.length === 0) return { ok: false, fields: { providerNumberIds: "tick at least one number" } };
  const parsed = ImportPhoneNumbersBody.safeParse({ connectionId, providerNumberIds: ids, ...(agentId ? { agentId } : {}) });
  return parsed.success ? { ok: true, body: parsed.data } : { ok: false, fields: zodFieldErrors(parsed.error) };
}

export function createPhoneImportStore(deps: { api: Api; spaceId: string }) {
  const s = createImportState();
  const agentId = signal("");
  const fields = signal<FieldErrors>({});
  const message = signal<string | null>(null);
  const importing = signal(false);
  const count = computed(() => Object.keys(s.selected.value).length);

  async function loadPage(index: number): Promise<void> {
    const connectionId = s.connectionId.value;
    const token = s.tokens.value[index];
    if (!connectionId || token === undefined) return;
    applyImportEvent(s, { type: "page.loading", connectionId, index });
    try {
      const page = await deps.api.json(ProviderPhoneNumberPage, "GET", `/v1/telephony-connections/${encodeURIComponent(connectionId)}/available-numbers`, {
        query: { pageSize: importPageSize, ...(token ? { pageToken: token } : {}) },
      });
      applyImportEvent(s, { type: "page.loaded", connectionId, index, numbers: page.numbers, nextPageToken: page.nextPageToken });
    } catch (err) {
      applyImportEvent(s, { type: "page.failed", connectionId, message: formErrors(err).message ?? "could not list the numbers" });
    }
  }

  function open(connectionId: string): Promise<void> {
    applyImportEvent(s, { type: "opened", connectionId });
    fields.value = {};
    message.value = null;
    return loadPage(0);
  }

  /** Imports the ticked numbers; resolves the imported ones (null when refused: see fields/message). */
  async function submit(): Promise<PhoneNumber[] | null> {
    const checked = importBody(s.connectionId.value, s.selected.value, agentId.value);
    if (!checked.ok) {
      fields.value = checked.fields;
      return null;
    }
    importing.value = true;
    fields.value = {};
    message.value = null;
    try {
      const { imported } = await deps.api.json(ImportedPhoneNumbers, "POST", `/v1/spaces/${encodeURIComponent(deps.spaceId)}/phone-numbers/import`, { body: checked.body });
      return imported;
    } catch (err) {
      const f = formErrors(err);
      fields.value = f.fields;
      message.value = f.message;
      return null;
    } finally {
      importing.value = false;
    }
  }

  return {
    ...s,
    agentId,
    fields,
    message,
    importing,
    count,
    open,
    next: () => loadPage(s.index.value + 1),
    previous: () => loadPage(Math.max(0, s.index.value - 1)),
    toggle: (number: ProviderPhoneNumber, on: boolean) => applyImportEvent(s, { type: "toggled", number, on }),
    togglePage: (on: boolean) => applyImportEvent(s, { type: "page.toggled", on }),
    submit,
  };
}

export type PhoneImportStore = ReturnType<typeof createPhoneImportStore>;
