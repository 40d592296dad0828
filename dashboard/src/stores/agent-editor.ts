// The agent editor's state: the saved agent as the API returned it and an editable draft of its
// configuration. Saving sends only the changed top-level fields with If-Match (the agent's
// version); the API's own schemas and template check run first for inline field errors; a 412
// keeps the draft and offers to reload (optionally re-applying the unsaved changes). Publishing,
// versions with their snapshots, rollback, the embed code and the space's tools live here too, with
// the pre-flight (re-run after every save and publish), provider readiness and the voice library.
// One store per open editor (the page creates it), never a module singleton.
import { batch, computed, signal } from "@preact/signals";
import {
  Agent,
  AgentConfig,
  AgentEmbed,
  AgentSaved,
  AgentVersion,
  AgentVersionSummary,
  CreateAgentBody,
  UpdateAgentBody,
  agentConfigShape,
} from "../../../packages/contracts/src/agents.ts";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import { checkTemplates } from "../../../packages/contracts/src/template.ts";
import type { TestGate } from "../../../packages/contracts/src/test-gate.ts";
import { Tool } from "../../../packages/contracts/src/tools.ts";
import type { z } from "zod";
import { ApiProblem, type Api } from "../api/client.ts";
import { formErrors, headlineAfter, keepUnchanged, zodFieldErrors, type FieldErrors } from "../ui/forms.ts";
import { createPreflightStore } from "./preflight.ts";
import { createReadinessStore } from "./readiness.ts";
import { createVoicesStore } from "./voices.ts";

export type ConfigKey = keyof typeof agentConfigShape;
export const configKeys = Object.keys(agentConfigShape) as ConfigKey[];
export type AgentPatch = Partial<AgentConfig>;
type Warning = { field: string; message: string };
export type VersionSummary = z.infer<typeof AgentVersionSummary>;
export type VersionDetail = z.infer<typeof AgentVersion>;

export type EditorTab = "general" | "languages" | "models" | "turn" | "variables" | "tools" | "widget" | "phone" | "analysis" | "tests" | "publish";

const tabOfKey: Record<ConfigKey, EditorTab> = {
  name: "general",
  systemPrompt: "general",
  temperature: "general",
  maxTokensPerConversation: "general",
  llm: "models",
  stt: "models",
  // The VAD decides when speech starts and stops: it sits with the turn-taking it builds on.
  vad: "turn",
  turn: "turn",
  autoDetectLanguage: "languages",
  defaultLanguage: "languages",
  locales: "languages",
  variables: "variables",
  tools: "tools",
  widget: "widget",
  telephony: "phone",
  analysis: "analysis",
};

/** The tab showing a field error's key (`locales.0.tts.voice` → languages). */
export function tabOfField(key: string): EditorTab {
  // transfer_to_number's destinations are edited on the Phone tab, the rest of `tools` on Tools.
  if (/^tools\.\d+\.destinations(\.|$)/.test(key)) return "phone";
  const head = key.split(/[.\s]/)[0] ?? "";
  return Object.hasOwn(tabOfKey, head) ? tabOfKey[head as ConfigKey] : "general";
}

/** The configuration fields of an agent (without id, version and timestamps). */
export function configOf(agent: AgentConfig): AgentConfig {
  const out: Record<string, unknown> = {};
  for (const key of configKeys) out[key] = structuredClone(agent[key]);
  return out as AgentConfig;
}

/** Deep equality of JSON values: object key order does not matter, array order does. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The PATCH body: the top-level fields whose value differs from the saved agent's. */
export function patchBody(saved: AgentConfig, draft: AgentConfig): AgentPatch {
  const out: Record<string, unknown> = {};
  for (const key of configKeys) if (!sameJson(saved[key], draft[key])) out[key] = draft[key];
  return out as AgentPatch;
}

/**
 * What the API would refuse, checked before sending: the PATCH body against UpdateAgentBody, the
 * whole draft against the create schema, and the cross-field rules of the API's config check
 * (one locale per language, a locale for the default language, declared `{{variables}}` only).
 */
export function validateDraft(draft: AgentConfig, patch: AgentPatch): FieldErrors {
  const fields: FieldErrors = {};
  const add = (key: string, message: string) => void (fields[key] ??= message);
  const body = UpdateAgentBody.safeParse(patch);
  if (!body.success) for (const [k, m] of Object.entries(zodFieldErrors(body.error))) add(k, m);
  const whole = CreateAgentBody.safeParse(draft);
  if (!whole.success) for (const [k, m] of Object.entries(zodFieldErrors(whole.error))) add(k, m);
  const seen = new Set<string>();
  draft.locales.forEach((locale, i) => {
    const lang = locale.language.toLowerCase();
    if (seen.has(lang)) add(`locales.${i}.language`, `language "${locale.language}" appears twice`);
    seen.add(lang);
  });
  if (!seen.has(draft.defaultLanguage.toLowerCase())) add("defaultLanguage", `"${draft.defaultLanguage}" has no locale`);
  // Only when the variables themselves are valid, or every placeholder would look undeclared.
  if (!Object.keys(fields).some((k) => k.startsWith("variables"))) {
    const texts = [{ field: "systemPrompt", text: draft.systemPrompt }, ...draft.locales.map((l, i) => ({ field: `locales.${i}.firstMessage`, text: l.firstMessage }))];
    for (const e of checkTemplates(draft.variables, texts).errors) add(e.field, e.message);
  }
  return fields;
}

export const ifMatch = (version: number) => `"${version}"`;

export interface AgentEditorDeps {
  api: Api;
  agentId: string;
  /** The enabled catalog (shared with the agents list, which caches it). */
  loadCatalog: () => Promise<CatalogModel[]>;
}

export function createAgentEditorStore(deps: AgentEditorDeps) {
  const { api, agentId } = deps;
  const path = `/v1/agents/${encodeURIComponent(agentId)}`;
  const agent = signal<Agent | null>(null);
  const draft = signal<AgentConfig | null>(null);
  const fields = signal<FieldErrors>({});
  /** The API's own field errors (a voice its provider does not have…), kept until their field changes. */
  const serverFields = signal<FieldErrors>({});
  const message = signal<string | null>(null);
  /** Set when a save or publish met a newer version on the server (412). */
  const conflict = signal<string | null>(null);
  const warnings = signal<Warning[]>([]);
  const busy = signal<null | "loading" | "saving" | "publishing">(null);
  /** The last publish refused by the required test cases (`tests_failed`): the gate's run and failures. */
  const testGate = signal<TestGate | null>(null);
  const catalog = signal<CatalogModel[] | null>(null);
  const versions = signal<VersionSummary[] | null>(null);
  const snapshots = signal<Record<number, VersionDetail>>({});
  const embed = signal<AgentEmbed | null>(null);
  const tools = signal<Tool[] | null>(null);
  /** Whether a save was tried: from then on, edits re-validate so errors clear as they are fixed. */
  const validating = signal(false);
  const preflight = createPreflightStore({ api, agentId });
  const readiness = createReadinessStore(api);
  const voices = createVoicesStore(api);
  /** The saved agent changed on the server: its pre-flight and "unpublished changes" may have too. */
  const recheck = () => void preflight.check();

  const patch = computed<AgentPatch>(() => (agent.value && draft.value ? patchBody(configOf(agent.value), draft.value) : {}));
  const dirty = computed(() => Object.keys(patch.value).length > 0);

  function setSaved(next: Agent): void {
    batch(() => {
      agent.value = next;
      draft.value = configOf(next);
      fields.value = {};
      serverFields.value = {};
      conflict.value = null;
      validating.value = false;
    });
  }

  async function load(): Promise<void> {
    busy.value = "loading";
    try {
      setSaved(await api.json(Agent, "GET", path));
      message.value = null;
      recheck();
    } finally {
      busy.value = null;
    }
  }

  /** Fetch the latest agent; with `keepChanges`, the unsaved changes are applied on top of it. */
  async function reload(opts: { keepChanges?: boolean } = {}): Promise<void> {
    const mine = patch.value;
    await load();
    if (opts.keepChanges && draft.value) draft.value = { ...draft.value, ...structuredClone(mine) };
  }

  /** Back to the saved configuration. */
  function discard(): void {
    if (agent.value) setSaved(agent.value);
    message.value = null;
  }

  /** Change the draft; `fn` edits a copy, so signals see a new value. */
  function edit(fn: (d: AgentConfig) => void): void {
    const current = draft.value;
    if (!current) return;
    const next = structuredClone(current);
    fn(next);
    const had = fields.value;
    draft.value = next;
    // The API's complaints go as their fields change; the client-side checks run again once a save was tried.
    serverFields.value = keepUnchanged(serverFields.value, current, next);
    const now = { ...(validating.value ? validateDraft(next, patch.value) : keepUnchanged(had, current, next)), ...serverFields.value };
    batch(() => {
      fields.value = now;
      message.value = headlineAfter(message.value, had, now);
    });
  }

  /** Validate and PATCH the changes with If-Match; resolves whether the draft is now saved. */
  async function save(): Promise<boolean> {
    const base = agent.value;
    const sent = draft.value;
    if (!base || !sent) return false;
    const body = patch.value;
    if (Object.keys(body).length === 0) return true;
    validating.value = true;
    const errors = validateDraft(sent, body);
    serverFields.value = {}; // the API answers again for what is sent now
    fields.value = errors;
    if (Object.keys(errors).length > 0) {
      message.value = "Fix the highlighted fields before saving.";
      return false;
    }
    busy.value = "saving";
    message.value = null;
    try {
      const saved = await api.json(AgentSaved, "PATCH", path, { body, headers: { "if-match": ifMatch(base.version) } });
      const { warnings: found, ...rest } = saved;
      const edited = draft.value;
      batch(() => {
        setSaved(rest);
        warnings.value = found;
        // Edits made while the request was in flight stay in the draft.
        if (edited && edited !== sent) draft.value = { ...configOf(rest), ...structuredClone(patchBody(sent, edited)) };
      });
      recheck();
      return true;
    } catch (err) {
      failed(err);
      return false;
    } finally {
      busy.value = null;
    }
  }

  function failed(err: unknown): void {
    if (err instanceof ApiProblem && err.code === "preflight_failed") {
      preflight.refused(err.problems);
      message.value = err.problems.length > 0 ? "Publishing was refused: fix the problems listed on the Publish tab." : err.message;
      return;
    }
    if (err instanceof ApiProblem && err.code === "tests_failed") {
      testGate.value = err.testGate;
      message.value = "Publishing was refused: required test cases failed (see the Publish tab).";
      return;
    }
    if (err instanceof ApiProblem && err.code === "precondition_failed") {
      conflict.value = "Someone else changed this agent since you opened it. Reload it to see their version; you can keep your unsaved changes on top.";
      return;
    }
    const f = formErrors(err);
    serverFields.value = f.fields;
    fields.value = f.fields;
    message.value = f.message;
  }

  async function act(run: () => Promise<void>): Promise<boolean> {
    busy.value = "publishing";
    message.value = null;
    testGate.value = null;
    try {
      await run();
      recheck();
      return true;
    } catch (err) {
      failed(err);
      return false;
    } finally {
      busy.value = null;
    }
  }

  /** The saved agent keeps its config; only version and publish state change, so the draft stays. */
  function setState(next: Agent): void {
    agent.value = next;
  }

  /**
   * Publish the saved draft as a new version (unsaved changes must be saved first). The API runs
   * the pre-flight and the required test cases; `force` (Owners) publishes despite the pre-flight's
   * problems, `overrideTests` (Owners) despite failed required tests, each recorded with the version.
   */
  function publish(note?: string, opts: { force?: boolean; overrideTests?: boolean } = {}): Promise<boolean> {
    return act(async () => {
      const base = agent.value;
      if (!base) return;
      if (dirty.value) throw new Error("Save your changes before publishing.");
      const trimmed = note?.trim();
      const body = { ...(trimmed ? { note: trimmed } : {}), ...(opts.force ? { force: true } : {}), ...(opts.overrideTests ? { overrideTests: true } : {}) };
      setState(await api.json(Agent, "POST", `${path}/publish`, { body, headers: { "if-match": ifMatch(base.version) } }));
      await loadVersions();
    });
  }

  function unpublish(): Promise<boolean> {
    return act(async () => setState(await api.json(Agent, "POST", `${path}/unpublish`)));
  }

  function rollback(version: number): Promise<boolean> {
    return act(async () => {
      setState(await api.json(Agent, "POST", `${path}/versions/${version}/rollback`));
      await loadVersions();
    });
  }

  async function loadVersions(): Promise<VersionSummary[]> {
    const { data } = await api.json(listOf(AgentVersionSummary), "GET", `${path}/versions`);
    versions.value = data;
    return data;
  }

  /** One version with its snapshot (cached: versions never change). */
  async function loadVersion(version: number): Promise<VersionDetail> {
    const cached = snapshots.value[version];
    if (cached) return cached;
    const v = await api.json(AgentVersion, "GET", `${path}/versions/${version}`);
    snapshots.value = { ...snapshots.value, [version]: v };
    return v;
  }

  async function loadEmbed(): Promise<AgentEmbed> {
    const e = await api.json(AgentEmbed, "GET", `${path}/embed`);
    embed.value = e;
    return e;
  }

  async function loadCatalog(): Promise<CatalogModel[]> {
    const c = await deps.loadCatalog();
    catalog.value = c;
    return c;
  }

  async function loadTools(): Promise<Tool[]> {
    const spaceId = agent.value?.spaceId;
    if (!spaceId) return [];
    const { data } = await api.json(listOf(Tool), "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/tools`);
    tools.value = data;
    return data;
  }

  return {
    agentId,
    agent,
    draft,
    fields,
    message,
    conflict,
    warnings,
    busy,
    testGate,
    catalog,
    versions,
    snapshots,
    embed,
    tools,
    patch,
    dirty,
    load,
    reload,
    edit,
    discard,
    save,
    publish,
    unpublish,
    rollback,
    loadVersions,
    loadVersion,
    loadEmbed,
    loadCatalog,
    loadTools,
    preflight,
    readiness,
    voices,
  };
}

export type AgentEditorStore = ReturnType<typeof createAgentEditorStore>;

/** A fresh name for a new variable: `variable_1`, `variable_2`, … not yet declared. */
export function newVariableName(taken: Record<string, unknown>): string {
  for (let i = 1; ; i++) if (!Object.hasOwn(taken, `variable_${i}`)) return `variable_${i}`;
}

/** `record` with `from` renamed to `to`, keeping the order of keys. */
export function renameKey<V>(record: Record<string, V>, from: string, to: string): Record<string, V> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k === from ? to : k, v]));
}
