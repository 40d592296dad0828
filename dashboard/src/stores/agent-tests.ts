// The agent editor's Tests tab: the agent's test cases (list, create, edit, delete, the required
// flag) and the case open in the editor with its form and field errors (the check before sending,
// then the API's). One store per open editor, never a module singleton; runs are in agent-tests-runs.ts.
import { batch, signal } from "@preact/signals";
import { SaveSessionAsTestBody, TestCase, type UpdateTestCaseBody } from "../../../packages/contracts/src/agent-tests.ts";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import type { z } from "zod";
import { errorMessage, type Api } from "../api/client.ts";
import { agentPath } from "../router.ts";
import { formErrors, keepUnchanged, type FieldErrors } from "../ui/forms.ts";
import { caseBody, caseForm, emptyCaseForm, type CaseForm } from "./agent-tests-form.ts";

/** The agent editor opened on its Tests tab, with a case open when `caseId` is given. */
export function testsTabPath(spaceId: string, agentId: string, caseId?: string): string {
  return `${agentPath(spaceId, agentId)}?tab=tests${caseId ? `&case=${encodeURIComponent(caseId)}` : ""}`;
}

/** What the editor's query asks to open (`?tab=tests&case=atc_…`). */
export function openedFromSearch(search: string): { tab: string | null; caseId: string | null } {
  const q = new URLSearchParams(search);
  return { tab: q.get("tab"), caseId: q.get("case") };
}

/** Save a session as a scripted test case of its agent (the API turns its transcript and tool calls into turns, expectations and mocks). */
export function saveSessionAsTest(api: Api, sessionId: string, body: z.input<typeof SaveSessionAsTestBody> = {}): Promise<TestCase> {
  return api.json(TestCase, "POST", `/v1/sessions/${encodeURIComponent(sessionId)}/test-case`, { body });
}

export interface AgentTestsDeps {
  api: Api;
  agentId: string;
  /** The agent's declared variables (values are sent as their types). */
  variables?: () => VariablesSchema | undefined;
}

export function createAgentTestsStore(deps: AgentTestsDeps) {
  const { api } = deps;
  const base = `/v1/agents/${encodeURIComponent(deps.agentId)}/test-cases`;
  const cases = signal<TestCase[] | null>(null);
  const listError = signal<string | null>(null);
  /** The case open in the editor: "new" for one not saved yet, null when none is. */
  const openId = signal<string | null>(null);
  const form = signal<CaseForm | null>(null);
  const fields = signal<FieldErrors>({});
  const message = signal<string | null>(null);
  const saving = signal(false);

  async function load(): Promise<TestCase[]> {
    try {
      const { data } = await api.json(listOf(TestCase), "GET", base);
      batch(() => {
        cases.value = data;
        listError.value = null;
      });
      return data;
    } catch (err) {
      listError.value = errorMessage(err);
      throw err;
    }
  }

  function setOpen(id: string | null, next: CaseForm | null): void {
    batch(() => {
      openId.value = id;
      form.value = next;
      fields.value = {};
      message.value = null;
    });
  }

  /** Open a saved case (fetched when the list does not hold it: a case just saved from a session). */
  async function open(caseId: string): Promise<void> {
    const known = cases.value?.find((c) => c.id === caseId) ?? (await api.json(TestCase, "GET", `${base}/${encodeURIComponent(caseId)}`));
    setOpen(caseId, caseForm(known));
  }

  const openNew = () => setOpen("new", emptyCaseForm());
  const close = () => setOpen(null, null);

  /** Change the open form; `fn` edits a copy. Errors go as their fields change. */
  function edit(fn: (f: CaseForm) => void): void {
    const current = form.value;
    if (!current) return;
    const next = structuredClone(current);
    fn(next);
    batch(() => {
      fields.value = keepUnchanged(fields.value, formAsBody(current), formAsBody(next));
      form.value = next;
    });
  }

  /** The form laid out like the body, so an error's path finds its value (`caller.turns.0.user`). */
  function formAsBody(f: CaseForm): unknown {
    return { ...f, caller: { kind: f.callerKind, turns: f.turns, persona: f.persona, maxTurns: f.maxTurns } };
  }

  /** Check and send the open form (POST for a new case, PATCH otherwise); resolves the saved case or null. */
  async function save(): Promise<TestCase | null> {
    const f = form.value;
    const id = openId.value;
    if (!f || !id) return null;
    const { body, errors } = caseBody(f, deps.variables?.());
    if (!body) {
      batch(() => {
        fields.value = errors;
        message.value = "Fix the highlighted fields before saving.";
      });
      return null;
    }
    saving.value = true;
    try {
      const saved =
        id === "new"
          ? await api.json(TestCase, "POST", base, { body })
          : await api.json(TestCase, "PATCH", `${base}/${encodeURIComponent(id)}`, { body: body satisfies UpdateTestCaseBody });
      batch(() => {
        upsert(saved);
        openId.value = saved.id;
        form.value = caseForm(saved);
        fields.value = {};
        message.value = null;
      });
      return saved;
    } catch (err) {
      const e = formErrors(err);
      batch(() => {
        fields.value = e.fields;
        message.value = e.message ?? (Object.keys(e.fields).length > 0 ? "Fix the highlighted fields before saving." : null);
      });
      return null;
    } finally {
      saving.value = false;
    }
  }

  function upsert(c: TestCase): void {
    const list = cases.value ?? [];
    cases.value = list.some((x) => x.id === c.id) ? list.map((x) => (x.id === c.id ? c : x)) : [...list, c];
  }

  /** Mark a case required for publishing, or not (a PATCH of that flag alone). */
  async function setRequired(caseId: string, required: boolean): Promise<void> {
    try {
      const saved = await api.json(TestCase, "PATCH", `${base}/${encodeURIComponent(caseId)}`, { body: { required } satisfies UpdateTestCaseBody });
      upsert(saved);
      if (openId.value === caseId && form.value) form.value = { ...form.value, required: saved.required };
      listError.value = null;
    } catch (err) {
      listError.value = errorMessage(err);
    }
  }

  async function remove(caseId: string): Promise<boolean> {
    try {
      await api.empty("DELETE", `${base}/${encodeURIComponent(caseId)}`);
      batch(() => {
        cases.value = (cases.value ?? []).filter((c) => c.id !== caseId);
        if (openId.value === caseId) setOpen(null, null);
        listError.value = null;
      });
      return true;
    } catch (err) {
      listError.value = errorMessage(err);
      return false;
    }
  }

  return { agentId: deps.agentId, cases, listError, openId, form, fields, message, saving, load, open, openNew, close, edit, save, setRequired, remove };
}

export type AgentTestsStore = ReturnType<typeof createAgentTestsStore>;
