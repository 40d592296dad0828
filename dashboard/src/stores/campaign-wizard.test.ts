// The campaign wizard without a DOM: step checks, the mapping editor, the schedule form and its
// window editor (checked by the API's own schema, minutes on screen → seconds in the body), and the
// store's requests: the draft created when step 2 is left, the dry run sent as the raw file, the
// mapping saved then checked again, the real upload, and problem+json shown with its field errors.
import { describe, expect, it } from "vitest";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { campaignFixture, detailFixture, fixtureAgentId, fixtureNumberId, fixtureSpaceId, reportFixture } from "./campaign-fixtures.ts";
import { addWindow, defaultSettingsForm, isoOfLocalInput, localInputOf, removeWindow, settingsBody, settingsFormOf, toggleDay, windowProblem, windowSummary } from "./campaign-settings-form.ts";
import {
  createWizardStore,
  mappingBody,
  mappingChanged,
  mappingFormOf,
  mappingVariableNames,
  resumeStep,
  stepBlocker,
  toggleNumber,
  withPhoneColumn,
  withTimeZoneColumn,
  withVariableColumn,
} from "./campaign-wizard.ts";
import { CampaignSettings } from "../../../packages/contracts/src/campaigns.ts";

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

const facts = { step: 1 as const, name: "Renewals", agentId: fixtureAgentId, callerNumberIds: [], campaign: null };
const ctx = { agents: [{ id: fixtureAgentId, published: true }], numbers: [{ id: fixtureNumberId }] };

describe("wizard steps", () => {
  it("needs a name and a published agent on step 1", () => {
    expect(stepBlocker(facts, ctx)).toBeNull();
    expect(stepBlocker({ ...facts, name: "  " }, ctx)).toMatch(/Name/);
    expect(stepBlocker({ ...facts, agentId: "" }, ctx)).toMatch(/Choose the agent/);
    expect(stepBlocker(facts, { ...ctx, agents: [{ id: fixtureAgentId, published: false }] })).toMatch(/publish it first/);
  });

  it("needs one of the space's numbers on step 2 and contacts on step 3", () => {
    expect(stepBlocker({ ...facts, step: 2 }, ctx)).toMatch(/at least one number/);
    expect(stepBlocker({ ...facts, step: 2, callerNumberIds: ["pnm_gone"] }, ctx)).toMatch(/at least one number/);
    expect(stepBlocker({ ...facts, step: 2, callerNumberIds: [fixtureNumberId] }, ctx)).toBeNull();
    expect(stepBlocker({ ...facts, step: 3, campaign: { itemCount: 0 } }, ctx)).toMatch(/contacts/);
    expect(stepBlocker({ ...facts, step: 3, campaign: { itemCount: 2 } }, ctx)).toBeNull();
  });

  it("toggles caller numbers and reopens a draft where it was left", () => {
    expect(toggleNumber(["a"], "b")).toEqual(["a", "b"]);
    expect(toggleNumber(["a", "b"], "a")).toEqual(["b"]);
    expect(resumeStep({ itemCount: 0 })).toBe(3);
    expect(resumeStep({ itemCount: 5 })).toBe(4);
  });
});

describe("mapping editor", () => {
  const used = { phoneColumn: "phone", variables: { customer_name: "first_name" }, timeZoneColumn: null };

  it("edits the phone, variable and time-zone columns; an unmapped variable is left out of the body", () => {
    let f = mappingFormOf(used);
    expect(mappingChanged(f, used)).toBe(false);
    f = withPhoneColumn(f, "mobile");
    f = withVariableColumn(f, "customer_name", "");
    f = withVariableColumn(f, "order_id", "order");
    f = withTimeZoneColumn(f, "tz");
    expect(mappingChanged(f, used)).toBe(true);
    expect(mappingBody(f)).toEqual({ ok: true, mapping: { phoneColumn: "mobile", variables: { order_id: "order" }, timeZoneColumn: "tz" } });
    expect(mappingChanged(withTimeZoneColumn(withPhoneColumn(withVariableColumn(f, "customer_name", "first_name"), "phone"), ""), { ...used, variables: { order_id: "order", customer_name: "first_name" } })).toBe(false);
  });

  it("refuses a mapping without a phone column", () => {
    const checked = mappingBody(withPhoneColumn(mappingFormOf(used), " "));
    expect(checked.ok === false && Object.keys(checked.fields)).toEqual(["phoneColumn"]);
  });

  it("lists the agent's declared variables first, then others the mapping names", () => {
    const agent = { variables: { type: "object" as const, properties: { customer_name: { type: "string" as const }, plan: { type: "string" as const } }, required: [] } };
    expect(mappingVariableNames(agent, mappingFormOf({ ...used, variables: { legacy: "x", customer_name: "first_name" } }))).toEqual(["customer_name", "plan", "legacy"]);
    expect(mappingVariableNames(null, mappingFormOf(used))).toEqual(["customer_name"]);
  });
});

describe("schedule form and window editor", () => {
  const form = () => defaultSettingsForm("Europe/Paris");

  it("starts from the API's defaults, with the browser's zone", () => {
    const f = form();
    expect(f.windows).toEqual([{ days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" }]);
    expect(f.defaultTimeZone).toBe("Europe/Paris");
    expect(f.retry.noAnswer).toEqual({ attempts: 2, backoffMin: 60 });
    expect(defaultSettingsForm("Not/AZone").defaultTimeZone).toBe("UTC");
  });

  it("toggles days, adds and removes windows, says what is wrong with one", () => {
    const w = { days: [1, 2], start: "09:00", end: "12:00" };
    expect(toggleDay(w, 2).days).toEqual([1]);
    expect(toggleDay(w, 7).days).toEqual([1, 2, 7]);
    expect(windowProblem(w)).toBeNull();
    expect(windowProblem({ ...w, days: [] })).toMatch(/at least one day/);
    expect(windowProblem({ ...w, end: "08:00" })).toMatch(/after the start/);
    expect(windowProblem({ ...w, end: "25:00" })).toMatch(/time of day/);
    expect(windowProblem({ ...w, end: "24:00" })).toBeNull();
    const two = addWindow([w]);
    expect(two).toHaveLength(2);
    expect(two[1]?.days).toEqual([6]);
    expect(removeWindow(two, 0)).toEqual([two[1]]);
    expect(windowSummary({ days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" })).toBe("Mon–Fri 09:00–18:00");
    expect(windowSummary({ days: [6, 1], start: "10:00", end: "12:00" })).toBe("Mon, Sat 10:00–12:00");
  });

  it("builds the settings body: backoff minutes become seconds, empty start and end are null", () => {
    const f = { ...form(), maxConcurrentCalls: 3, dialRatePerS: 0.5, maxDurationMin: 5, voicemail: "leave_message" as const, voicemailMessage: "Call us back" };
    f.retry = { ...f.retry, busy: { attempts: 3, backoffMin: 15 } };
    const checked = settingsBody(f, [fixtureNumberId]);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.body.retry.busy).toEqual({ attempts: 3, backoffS: 900 });
    expect(checked.body).toMatchObject({ maxConcurrentCalls: 3, dialRatePerS: 0.5, maxDurationS: 300, startAt: null, endBy: null, voicemail: { action: "leave_message", message: "Call us back" } });
    // What comes back from the API reads into the same form.
    expect(settingsFormOf(checked.body).retry.busy).toEqual({ attempts: 3, backoffMin: 15 });
  });

  it("reports every bad field under the API's key, in words the form uses", () => {
    const f = { ...form(), maxConcurrentCalls: 0, dialRatePerS: null, defaultTimeZone: "Mars/Base", voicemail: "leave_message" as const, voicemailMessage: " " };
    f.windows = [{ days: [], start: "09:00", end: "18:00" }, { days: [1], start: "18:00", end: "09:00" }];
    f.retry = { ...f.retry, noAnswer: { attempts: 2, backoffMin: 0.5 } };
    f.startAt = "2026-12-10T10:00";
    f.endBy = "2026-12-09T10:00";
    const checked = settingsBody(f, [fixtureNumberId]);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.fields["windows.0"]).toMatch(/at least one day/);
    expect(checked.fields["windows.1"]).toMatch(/after the start/);
    expect(checked.fields["maxConcurrentCalls"]).toBe("a whole number from 1 to 100");
    expect(checked.fields["dialRatePerS"]).toBeDefined();
    expect(checked.fields["defaultTimeZone"]).toMatch(/IANA/);
    expect(checked.fields["retry.noAnswer.backoffS"]).toBe("wait between 1 minute and 7 days");
    expect(checked.fields["endBy"]).toMatch(/after the start/);
    expect(checked.fields["voicemail.message"]).toMatch(/message/);
  });

  it("converts datetime-local values to ISO and back in the browser's zone", () => {
    const iso = isoOfLocalInput("2026-12-10T09:30");
    expect(iso).not.toBeNull();
    expect(localInputOf(iso)).toBe("2026-12-10T09:30");
    expect(isoOfLocalInput("")).toBeNull();
    expect(localInputOf(null)).toBe("");
  });
});

describe("wizard store", () => {
  const csv = "phone,first_name\n+15555550101,Ada\n";

  it("creates the draft when step 2 is left, then PATCHes it when the user comes back", async () => {
    const draft = campaignFixture({ settings: CampaignSettings.parse({ callerNumberIds: [fixtureNumberId], defaultTimeZone: "Europe/Paris" }) });
    const { fetch, api } = apiWith((req) => (req.method === "POST" ? json(draft, 201) : json({ ...draft, name: "Renewals 2", version: 2 })));
    const w = createWizardStore(api, "Europe/Paris");
    w.name.value = "Renewals";
    w.agentId.value = fixtureAgentId;
    w.callerNumberIds.value = [fixtureNumberId];
    expect(await w.saveDraft(fixtureSpaceId)).toBe(true);
    expect(fetch.requests[0]?.url).toBe(`/v1/spaces/${fixtureSpaceId}/campaigns`);
    expect(JSON.parse(fetch.requests[0]?.body ?? "")).toEqual({ name: "Renewals", agentId: fixtureAgentId, callerNumberIds: [fixtureNumberId], defaultTimeZone: "Europe/Paris" });
    expect(w.campaign.value?.id).toBe(draft.id);
    w.name.value = "Renewals 2";
    expect(await w.saveDraft(fixtureSpaceId)).toBe(true);
    expect(fetch.requests[1]).toMatchObject({ method: "PATCH", url: `/v1/campaigns/${draft.id}` });
    expect(w.name.value).toBe("Renewals 2");
  });

  it("checks the file as a dry run with its own content type, saves an edited mapping and checks again, then adds the rows", async () => {
    const draft = campaignFixture();
    const guessed = reportFixture();
    const remapped = reportFixture({ mapping: { phoneColumn: "phone", variables: { customer_name: "first_name" }, timeZoneColumn: "tz" }, mappingGuessed: false });
    let dryRuns = 0;
    const { fetch, api } = apiWith((req) => {
      if (req.url.includes("/contacts?dryRun=true")) return json(dryRuns++ === 0 ? guessed : remapped);
      if (req.url.includes("/contacts?dryRun=false")) return json({ ...remapped, dryRun: false, created: 2 });
      if (req.method === "PATCH") return json({ ...draft, contactMapping: remapped.mapping, version: 2 });
      if (req.method === "GET") return json(detailFixture({ ...draft, itemCount: 2, contactMapping: remapped.mapping, version: 3 }));
      return json({}, 404);
    });
    const w = createWizardStore(api, "UTC");
    w.campaign.value = draft;
    expect(await w.chooseFile({ name: "contacts.csv", contentType: "text/csv", content: csv, sizeBytes: csv.length })).toBe(true);
    expect(fetch.requests[0]).toMatchObject({ method: "POST", url: `/v1/campaigns/${draft.id}/contacts?dryRun=true`, body: csv });
    expect(fetch.requests[0]?.headers["content-type"]).toBe("text/csv");
    expect(w.report.value?.invalidRows).toBe(1);
    expect(w.mapping.value).toEqual({ phoneColumn: "phone", variables: { customer_name: "first_name" }, timeZoneColumn: "" });

    w.mapping.value = withTimeZoneColumn(w.mapping.value ?? mappingFormOf(guessed.mapping), "tz");
    expect(await w.saveMapping()).toBe(true);
    expect(fetch.requests[1]).toMatchObject({ method: "PATCH", url: `/v1/campaigns/${draft.id}` });
    expect(JSON.parse(fetch.requests[1]?.body ?? "")).toEqual({ contactMapping: remapped.mapping });
    expect(fetch.requests[2]?.url).toContain("dryRun=true");
    expect(w.report.value?.mappingGuessed).toBe(false);

    expect(await w.addContacts()).toBe(true);
    // The mapping is on the campaign already: no second PATCH before the real upload.
    expect(fetch.requests[3]?.url).toContain("dryRun=false");
    expect(w.added.value).toBe(2);
    expect(w.campaign.value?.itemCount).toBe(2);
    expect(w.report.value).toBeNull();
  });

  it("saves a guessed mapping on the campaign before adding the rows (launch needs one)", async () => {
    const draft = campaignFixture();
    const report = reportFixture({ invalidRows: 0, errors: [] });
    const { fetch, api } = apiWith((req) => {
      if (req.url.includes("dryRun=true")) return json(report);
      if (req.url.includes("dryRun=false")) return json({ ...report, dryRun: false, created: 2 }, 201);
      if (req.method === "PATCH") return json({ ...draft, contactMapping: report.mapping });
      return json(detailFixture({ ...draft, itemCount: 2, contactMapping: report.mapping }));
    });
    const w = createWizardStore(api, "UTC");
    w.campaign.value = draft;
    await w.chooseFile({ name: "c.csv", contentType: "text/csv", content: csv, sizeBytes: csv.length });
    expect(await w.addContacts()).toBe(true);
    expect(fetch.requests.map((r) => `${r.method} ${r.url.split("?")[1] ?? ""}`)).toEqual(["POST dryRun=true", "PATCH ", "POST dryRun=false", "GET "]);
    expect(JSON.parse(fetch.requests[1]?.body ?? "")).toEqual({ contactMapping: report.mapping });
  });

  it("shows the API's problem and its field errors, and keeps the step", async () => {
    const draft = campaignFixture();
    const { api } = apiWith(() => problem("validation_failed", 400, "The file has no header row.", [{ field: "body", message: "empty file" }]));
    const w = createWizardStore(api, "UTC");
    w.campaign.value = draft;
    expect(await w.chooseFile({ name: "c.csv", contentType: "text/csv", content: "", sizeBytes: 0 })).toBe(false);
    expect(w.message.value).toBe("The file has no header row.");
    expect(w.fields.value).toEqual({ body: "empty file" });
    expect(w.busy.value).toBeNull();
  });

  it("drops the API's error on the campaign name once the name changes, keeping the others", async () => {
    const { api } = apiWith(() =>
      problem("validation_failed", 400, "the request did not pass validation", [
        { field: "body.name", message: "Too small: expected string to have >=1 characters" },
        { field: "body.agentId", message: "Invalid input" },
      ]),
    );
    const w = createWizardStore(api, "UTC");
    w.name.value = " ";
    w.agentId.value = fixtureAgentId;
    expect(await w.saveDraft(fixtureSpaceId)).toBe(false);
    expect(w.fields.value).toEqual({ name: "must not be empty", agentId: "is not valid" });
    w.name.value = "Renewals";
    expect(w.fields.value).toEqual({ agentId: "is not valid" });
    expect(w.message.value).not.toBeNull();
  });

  it("does not send settings the schema refuses, and saves valid ones on the draft", async () => {
    const draft = campaignFixture();
    const { fetch, api } = apiWith(() => json({ ...draft, version: 2 }));
    const w = createWizardStore(api, "UTC");
    w.campaign.value = draft;
    w.callerNumberIds.value = [fixtureNumberId];
    w.settings.value = { ...w.settings.value, maxConcurrentCalls: 500 };
    expect(await w.saveSettings()).toBe(false);
    expect(fetch.requests).toHaveLength(0);
    expect(w.fields.value["maxConcurrentCalls"]).toBeDefined();
    expect(w.message.value).toBe("Some settings need a change.");
    // Fixing the field takes its error away, and the step's headline with the last one.
    w.settings.value = { ...w.settings.value, maxConcurrentCalls: 2 };
    expect(w.fields.value).toEqual({});
    expect(w.message.value).toBeNull();
    expect(await w.saveSettings()).toBe(true);
    expect(JSON.parse(fetch.requests[0]?.body ?? "")).toMatchObject({ maxConcurrentCalls: 2, callerNumberIds: [fixtureNumberId] });
  });
});
