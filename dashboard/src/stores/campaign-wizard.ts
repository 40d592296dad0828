// The create-campaign wizard: 1 agent → 2 caller numbers → 3 contacts → 4 schedule & limits →
// 5 review and launch. The draft campaign is created when step 2 is left (POST), later changes are
// PATCHes; the contacts file is uploaded as a dry run first (the report: columns, mapping, preview,
// problems), the mapping can be edited (PATCH contactMapping, then the dry run again), and "Add"
// uploads it for real. Every API problem lands in `message` / `fields` for the step to show inline.
// The pure parts (step checks, mapping edits) are tested without a DOM.
import { batch, effect, signal } from "@preact/signals";
import { ContactMapping, type Campaign, type ContactsReport } from "../../../packages/contracts/src/campaigns.ts";
import type { Agent } from "../../../packages/contracts/src/agents.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import { PhoneNumber } from "../../../packages/contracts/src/telephony.ts";
import type { Api } from "../api/client.ts";
import { formErrors, headlineAfter, keepUnchanged, zodFieldErrors, type FieldErrors } from "../ui/forms.ts";
import { defaultSettingsForm, settingsBody, settingsFormOf, settingsRaw, type SettingsForm } from "./campaign-settings-form.ts";
import { campaignsApi, type ContactsFile } from "./campaigns.ts";

export type WizardStep = 1 | 2 | 3 | 4 | 5;
export const stepTitles: Record<WizardStep, string> = { 1: "Agent", 2: "Caller numbers", 3: "Contacts", 4: "Schedule & limits", 5: "Review" };

/** The mapping as the step-3 selects hold it: "" = not mapped. */
export interface MappingForm {
  phoneColumn: string;
  /** agent variable → column ("" = not mapped). */
  variables: Record<string, string>;
  timeZoneColumn: string;
}

export function mappingFormOf(m: ContactMapping): MappingForm {
  return { phoneColumn: m.phoneColumn, variables: { ...m.variables }, timeZoneColumn: m.timeZoneColumn ?? "" };
}

export const withPhoneColumn = (f: MappingForm, column: string): MappingForm => ({ ...f, phoneColumn: column });
export const withTimeZoneColumn = (f: MappingForm, column: string): MappingForm => ({ ...f, timeZoneColumn: column });
export const withVariableColumn = (f: MappingForm, variable: string, column: string): MappingForm => ({ ...f, variables: { ...f.variables, [variable]: column } });

/** The variables the mapping editor lists: the agent's declared ones, then any others the mapping names. */
export function mappingVariableNames(agent: Pick<Agent, "variables"> | null, form: MappingForm): string[] {
  const declared = Object.keys(agent?.variables.properties ?? {});
  return [...declared, ...Object.keys(form.variables).filter((v) => !declared.includes(v))];
}

export type CheckedMapping = { ok: true; mapping: ContactMapping } | { ok: false; fields: FieldErrors };

/** The PATCH's contactMapping: unmapped variables are left out; checked with the API's schema. */
export function mappingBody(f: MappingForm): CheckedMapping {
  const variables = Object.fromEntries(Object.entries(f.variables).filter(([, column]) => column.trim() !== ""));
  const parsed = ContactMapping.safeParse({ phoneColumn: f.phoneColumn, variables, timeZoneColumn: f.timeZoneColumn.trim() === "" ? null : f.timeZoneColumn });
  return parsed.success ? { ok: true, mapping: parsed.data } : { ok: false, fields: zodFieldErrors(parsed.error) };
}

/** Whether the form says something else than the mapping the last report used. */
export function mappingChanged(f: MappingForm, used: ContactMapping): boolean {
  const checked = mappingBody(f);
  if (!checked.ok) return true;
  const a = checked.mapping;
  const sortEntries = (v: Record<string, string>) => JSON.stringify(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)));
  return a.phoneColumn !== used.phoneColumn || (a.timeZoneColumn ?? null) !== (used.timeZoneColumn ?? null) || sortEntries(a.variables) !== sortEntries(used.variables);
}

export function toggleNumber(ids: string[], id: string): string[] {
  return ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
}

export interface StepContext {
  agents: Pick<Agent, "id" | "published">[];
  numbers: Pick<PhoneNumber, "id">[];
}

export interface WizardFacts {
  step: WizardStep;
  name: string;
  agentId: string;
  callerNumberIds: string[];
  campaign: Pick<Campaign, "itemCount"> | null;
}

/** Why the current step cannot be left forward yet (shown beside a disabled "Next"), or null. */
export function stepBlocker(s: WizardFacts, ctx: StepContext): string | null {
  switch (s.step) {
    case 1: {
      if (s.name.trim() === "") return "Name the campaign.";
      const agent = ctx.agents.find((a) => a.id === s.agentId);
      if (!agent) return "Choose the agent that makes the calls.";
      return agent.published ? null : "This agent has no published version: publish it first.";
    }
    case 2: {
      const known = s.callerNumberIds.filter((id) => ctx.numbers.some((n) => n.id === id));
      return known.length > 0 ? null : "Choose at least one number to call from.";
    }
    case 3:
      return (s.campaign?.itemCount ?? 0) > 0 ? null : "Add the contacts to call.";
    case 4:
    case 5:
      return null;
  }
}

/** Where the wizard opens a draft: contacts while it has none, else the schedule. */
export const resumeStep = (c: Pick<Campaign, "itemCount">): WizardStep => (c.itemCount > 0 ? 4 : 3);

export function createWizardStore(api: Api, browserZone: string) {
  const calls = campaignsApi(api);
  const s = {
    step: signal<WizardStep>(1),
    name: signal(""),
    agentId: signal(""),
    callerNumberIds: signal<string[]>([]),
    campaign: signal<Campaign | null>(null),
    /** The space's numbers (step 2), null until loaded. */
    numbers: signal<PhoneNumber[] | null>(null),
    numbersError: signal<string | null>(null),
    file: signal<ContactsFile | null>(null),
    report: signal<ContactsReport | null>(null),
    mapping: signal<MappingForm | null>(null),
    /** Contacts created by the last "Add" (null: none added in this visit). */
    added: signal<number | null>(null),
    settings: signal<SettingsForm>(defaultSettingsForm(browserZone)),
    /** What is running (a label for the button), null when idle. */
    busy: signal<string | null>(null),
    message: signal<string | null>(null),
    fields: signal<FieldErrors>({}),
  };

  // A field error goes as soon as its field changes (the step's headline with the last one), so a
  // fixed field stops showing the complaint before the step is sent again.
  const view = () => {
    const settings = settingsRaw(s.settings.value, s.callerNumberIds.value);
    return { ...settings, name: s.name.value, agentId: s.agentId.value, contactMapping: s.mapping.value, settings };
  };
  let seen = view();
  effect(() => {
    const now = view();
    const before = seen;
    seen = now;
    const had = s.fields.peek();
    if (Object.keys(had).length === 0) return;
    const kept = keepUnchanged(had, before, now);
    if (Object.keys(kept).length === Object.keys(had).length) return;
    batch(() => {
      s.fields.value = kept;
      s.message.value = headlineAfter(s.message.peek(), had, kept);
    });
  });

  const clearErrors = () =>
    batch(() => {
      s.message.value = null;
      s.fields.value = {};
    });
  const fail = (err: unknown) =>
    batch(() => {
      const e = formErrors(err);
      s.message.value = e.message ?? (Object.keys(e.fields).length > 0 ? "Some fields need a change." : "The request failed.");
      s.fields.value = e.fields;
    });

  /** Runs one API step with the busy label; false (and the problem shown) when it failed. */
  async function run(label: string, work: () => Promise<void>): Promise<boolean> {
    if (s.busy.value) return false;
    clearErrors();
    s.busy.value = label;
    try {
      await work();
      return true;
    } catch (err) {
      fail(err);
      return false;
    } finally {
      s.busy.value = null;
    }
  }

  function adopt(c: Campaign): void {
    batch(() => {
      s.campaign.value = c;
      s.name.value = c.name;
      s.agentId.value = c.agentId;
      s.callerNumberIds.value = c.settings.callerNumberIds;
    });
  }

  async function loadNumbers(spaceId: string): Promise<void> {
    try {
      const { data } = await api.json(listOf(PhoneNumber), "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/phone-numbers`);
      batch(() => {
        s.numbers.value = [...data].sort((a, b) => a.e164.localeCompare(b.e164));
        s.numbersError.value = null;
      });
    } catch (err) {
      s.numbersError.value = formErrors(err).message ?? "could not load the numbers";
    }
  }

  /** Continues a draft: its agent, numbers and settings; contacts or schedule next. */
  async function openDraft(campaignId: string): Promise<boolean> {
    return run("Loading…", async () => {
      const c = await calls.get(campaignId);
      if (c.status !== "draft") throw new Error("This campaign was launched already: its page shows its progress.");
      batch(() => {
        adopt(c);
        s.settings.value = settingsFormOf(c.settings);
        s.mapping.value = c.contactMapping ? mappingFormOf(c.contactMapping) : null;
        s.step.value = resumeStep(c);
      });
    });
  }

  /** Step 2 → 3: the draft is created (or, back here later, its agent and numbers changed). */
  async function saveDraft(spaceId: string): Promise<boolean> {
    return run("Saving the draft…", async () => {
      const existing = s.campaign.value;
      const base = { name: s.name.value, agentId: s.agentId.value, callerNumberIds: s.callerNumberIds.value };
      adopt(existing ? await calls.update(existing.id, base) : await calls.create(spaceId, { ...base, defaultTimeZone: s.settings.value.defaultTimeZone }));
    });
  }

  async function dryRun(): Promise<boolean> {
    const c = s.campaign.value;
    const file = s.file.value;
    if (!c || !file) return false;
    return run("Checking the file…", async () => {
      const report = await calls.uploadContacts(c.id, file, true);
      batch(() => {
        s.report.value = report;
        s.mapping.value = mappingFormOf(report.mapping);
      });
    });
  }

  async function chooseFile(file: ContactsFile): Promise<boolean> {
    batch(() => {
      s.file.value = file;
      s.report.value = null;
      s.added.value = null;
    });
    return dryRun();
  }

  /** Saves the edited mapping on the campaign, then checks the file again with it. */
  async function saveMapping(): Promise<boolean> {
    const c = s.campaign.value;
    const form = s.mapping.value;
    if (!c || !form) return false;
    const checked = mappingBody(form);
    if (!checked.ok) {
      s.fields.value = Object.fromEntries(Object.entries(checked.fields).map(([k, v]) => [`contactMapping.${k}`, v]));
      s.message.value = "The mapping needs a change.";
      return false;
    }
    const saved = await run("Saving the mapping…", async () => adopt(await calls.update(c.id, { contactMapping: checked.mapping })));
    return saved && dryRun();
  }

  /** Whether a number that appears in several rows is called once per row; the file is checked again. */
  async function setAllowDuplicates(allow: boolean): Promise<boolean> {
    const c = s.campaign.value;
    if (!c) return false;
    const saved = await run("Saving…", async () => {
      adopt(await calls.update(c.id, { allowDuplicates: allow }));
      s.settings.value = { ...s.settings.value, allowDuplicates: allow };
    });
    return saved && (s.file.value ? dryRun() : true);
  }

  /**
   * Uploads the file for real (all rows or none). The mapping the report used is saved on the
   * campaign first when it was only guessed: launching needs one, and the upload does not store it.
   * The campaign is then read again for its item count.
   */
  async function addContacts(): Promise<boolean> {
    const c = s.campaign.value;
    const file = s.file.value;
    const used = s.report.value?.mapping;
    if (!c || !file) return false;
    return run("Adding the contacts…", async () => {
      if (used && (c.contactMapping === null || mappingChanged(mappingFormOf(c.contactMapping), used))) adopt(await calls.update(c.id, { contactMapping: used }));
      const report = await calls.uploadContacts(c.id, file, false);
      const fresh = await calls.get(c.id);
      batch(() => {
        s.added.value = report.created;
        s.report.value = null;
        s.file.value = null;
        adopt(fresh);
      });
    });
  }

  /** Forgets the saved mapping (a new file with other columns): the next check guesses again. */
  async function clearMapping(): Promise<boolean> {
    const c = s.campaign.value;
    if (!c) return false;
    const cleared = await run("Clearing the mapping…", async () => adopt(await calls.update(c.id, { contactMapping: null })));
    return cleared && (s.file.value ? dryRun() : true);
  }

  /** Step 4 → 5: the settings are checked here, then saved on the draft. */
  async function saveSettings(): Promise<boolean> {
    const c = s.campaign.value;
    if (!c) return false;
    const checked = settingsBody(s.settings.value, s.callerNumberIds.value);
    if (!checked.ok) {
      batch(() => {
        s.fields.value = checked.fields;
        s.message.value = "Some settings need a change.";
      });
      return false;
    }
    return run("Saving the settings…", async () => adopt(await calls.update(c.id, checked.body)));
  }

  async function launch(): Promise<Campaign | null> {
    const c = s.campaign.value;
    if (!c) return null;
    let launched: Campaign | null = null;
    const ok = await run("Launching…", async () => {
      launched = await calls.launch(c.id);
    });
    return ok ? launched : null;
  }

  function go(step: WizardStep): void {
    batch(() => {
      clearErrors();
      s.step.value = step;
    });
  }

  return { ...s, loadNumbers, openDraft, saveDraft, chooseFile, dryRun, saveMapping, setAllowDuplicates, addContacts, clearMapping, saveSettings, launch, go, clearErrors };
}

export type WizardStore = ReturnType<typeof createWizardStore>;
