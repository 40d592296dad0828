// The tool editor's state: the saved tool, the form as saved (`initial`) and as edited (`form`).
// Saving validates with the API's own schemas first (inline field errors, nothing sent), then
// creates or PATCHes only the changed fields; a version conflict keeps the form and offers a
// reload (optionally keeping the unsaved changes); the API's field errors land on the same keys.
// One store per open editor (the page creates it), never a module singleton.
import { batch, computed, signal } from "@preact/signals";
import type { Tool } from "../../../packages/contracts/src/tools.ts";
import { ApiProblem } from "../api/client.ts";
import { formErrors, headlineAfter, keepUnchanged, type FieldErrors } from "../ui/forms.ts";
import { sameJson } from "./agent-editor.ts";
import { bodyOf, emptyForm, formOf, isDirty, patchOf, secretsDropped, validateForm, type ToolForm } from "./tool-form.ts";
import { inUseBy, type ToolsStore } from "./tools.ts";

export const newToolId = "new";

export interface ToolEditorDeps {
  tools: ToolsStore;
  spaceId: string;
  /** A tool id, or `newToolId` for a tool not created yet. */
  toolId: string;
}

export function createToolEditorStore(deps: ToolEditorDeps) {
  const { tools, spaceId } = deps;
  const isNew = deps.toolId === newToolId;
  const tool = signal<Tool | null>(null);
  const initial = signal<ToolForm | null>(null);
  const form = signal<ToolForm | null>(null);
  const fields = signal<FieldErrors>({});
  /** The API's own field errors, kept until their field changes. */
  const serverFields = signal<FieldErrors>({});
  const message = signal<string | null>(null);
  /** What the last save warned about (secret headers cleared because the URL changed origin). */
  const notice = signal<string | null>(null);
  /** Set when the tool changed on the server since it was loaded. */
  const conflict = signal<string | null>(null);
  /** Agent ids still using the tool, after a refused delete. */
  const usedBy = signal<string[] | null>(null);
  const busy = signal<null | "loading" | "saving" | "deleting">(null);
  /** Whether a save was tried: from then on, edits re-validate so errors clear as they are fixed. */
  const validating = signal(false);

  const dirty = computed(() => (initial.value && form.value ? isDirty(initial.value, form.value) : false));
  /** The saved secret headers a save would delete: the URL now points to another origin. */
  const droppedSecrets = computed(() => (form.value ? secretsDropped(tool.value, form.value) : null));

  function setSaved(next: Tool | null): void {
    const f = next ? formOf(next) : emptyForm();
    batch(() => {
      tool.value = next;
      initial.value = f;
      form.value = structuredClone(f);
      fields.value = {};
      serverFields.value = {};
      conflict.value = null;
      validating.value = false;
    });
  }

  const saved = () => (tool.value && initial.value ? { tool: tool.value, initial: initial.value } : null);

  async function load(): Promise<void> {
    if (isNew) return setSaved(null);
    busy.value = "loading";
    try {
      setSaved(await tools.get(deps.toolId));
      message.value = null;
    } finally {
      busy.value = null;
    }
  }

  /** Fetch the latest tool; with `keepChanges`, the fields changed here are applied on top of it. */
  async function reload(opts: { keepChanges?: boolean } = {}): Promise<void> {
    const before = initial.value;
    const mine = form.value;
    await load();
    if (!opts.keepChanges || !before || !mine || !form.value) return;
    form.value = { ...form.value, ...changedParts(before, mine) };
  }

  function discard(): void {
    setSaved(tool.value);
    message.value = null;
  }

  /** Change the form; `fn` edits a copy, so signals see a new value. */
  function edit(fn: (f: ToolForm) => void): void {
    const current = form.value;
    if (!current) return;
    const next = structuredClone(current);
    fn(next);
    const had = fields.value;
    form.value = next;
    // The API's complaints (keyed by the body it was sent) go as their fields change.
    serverFields.value = keepUnchanged(serverFields.value, bodyOf(current).body, bodyOf(next).body);
    const now = { ...(validating.value ? validateForm(next, saved()) : keepUnchanged(had, current, next)), ...serverFields.value };
    batch(() => {
      fields.value = now;
      message.value = headlineAfter(message.value, had, now);
    });
  }

  /** Validate, then create or update; resolves the saved tool, or null when nothing was saved. */
  async function save(): Promise<Tool | null> {
    const sent = form.value;
    const base = initial.value;
    if (!sent || !base) return null;
    const before = saved();
    if (before && !dirty.value) return before.tool;
    validating.value = true;
    const errors = validateForm(sent, before);
    serverFields.value = {}; // the API answers again for what is sent now
    fields.value = errors;
    if (Object.keys(errors).length > 0) {
      message.value = "Fix the highlighted fields before saving.";
      return null;
    }
    busy.value = "saving";
    message.value = null;
    notice.value = null;
    try {
      const body = bodyOf(sent).body;
      const result = before ? await tools.update(before.tool.id, patchOf(base, sent), before.tool.version) : await tools.create(spaceId, { ...body, secretHeaders: body.secretHeaders ?? {} });
      const edited = form.value;
      batch(() => {
        setSaved(result);
        notice.value = result.warnings.length > 0 ? result.warnings.join(" ") : null;
        // Edits made while the request was in flight stay in the form.
        if (edited && edited !== sent && form.value) form.value = { ...form.value, ...changedParts(sent, edited) };
      });
      return result;
    } catch (err) {
      failed(err);
      return null;
    } finally {
      busy.value = null;
    }
  }

  function failed(err: unknown): void {
    if (err instanceof ApiProblem && err.code === "precondition_failed") {
      conflict.value = "Someone else changed this tool since you opened it. Reload it to see their version; you can keep your unsaved changes on top.";
      return;
    }
    const f = formErrors(err);
    serverFields.value = f.fields;
    fields.value = f.fields;
    message.value = f.message;
  }

  /** Delete the saved tool; a tool agents still use is refused and `usedBy` names them. */
  async function remove(): Promise<boolean> {
    const current = tool.value;
    if (!current) return false;
    busy.value = "deleting";
    message.value = null;
    usedBy.value = null;
    try {
      await tools.remove(current.id);
      batch(() => {
        // Nothing left to lose: the leave guard must not ask.
        initial.value = form.value;
        tool.value = null;
      });
      return true;
    } catch (err) {
      const agents = inUseBy(err);
      if (agents) usedBy.value = agents;
      else message.value = formErrors(err).message;
      return false;
    } finally {
      busy.value = null;
    }
  }

  return { isNew, spaceId, tool, initial, form, fields, message, notice, conflict, usedBy, busy, dirty, droppedSecrets, load, reload, discard, edit, save, remove };
}

export type ToolEditorStore = ReturnType<typeof createToolEditorStore>;

/** The top-level parts of the form that differ between `from` and `to`. */
function changedParts(from: ToolForm, to: ToolForm): Partial<ToolForm> {
  const out: Partial<ToolForm> = {};
  for (const key of Object.keys(to) as (keyof ToolForm)[]) {
    if (!sameJson(from[key], to[key])) Object.assign(out, { [key]: structuredClone(to[key]) });
  }
  return out;
}
