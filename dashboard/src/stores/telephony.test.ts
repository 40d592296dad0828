// The Telephony page's stores without a DOM: connection and number forms checked by the API's own
// schemas (SIDs, secrets, countries), write-only secrets, the API's problem errors per field,
// results applied to the lists, and the import dialog's paging and selection.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { PhoneNumber, ProviderPhoneNumber, TelephonyConnection } from "../../../packages/contracts/src/telephony.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, noContent, problem, type Recorded } from "../test-support.ts";
import { applyImportEvent, createImportState, createPhoneImportStore, importBody, maxImport } from "./phone-import.ts";
import { applyTelephonyEvent, connectionBody, connectionPatch, createTelephonyStore, emptyConnectionForm, numberFormOf, numberPatch, parseCountries } from "./telephony.ts";

const at = "2026-12-04T10:00:00.000Z";
const accountSid = `AC${"a1".repeat(16)}`;
const apiKeySid = `SK${"b2".repeat(16)}`;
const spaceId = newId("space");

const connection = (over: Partial<TelephonyConnection> = {}): TelephonyConnection => ({
  id: newId("telephonyConnection"), spaceId, provider: "twilio", name: "Main account", accountId: accountSid, authType: "auth_token", secretHint: "…abcd", numberCount: 0, voximplant: null, livekitSip: null, version: 1, createdAt: at, updatedAt: at, ...over,
});
const phoneNumber = (e164: string, over: Partial<PhoneNumber> = {}): PhoneNumber => ({
  id: newId("phoneNumber"), spaceId, connectionId: newId("telephonyConnection"), provider: "twilio", e164, providerNumberId: `PN${e164.slice(1)}`, friendlyName: null,
  agentId: null, inboundEnabled: true, recordingEnabled: false, maxConcurrentCalls: 5, allowedCountries: ["US"], callerName: null, sip: null, createdAt: at, updatedAt: at, ...over,
});
const available = (e164: string, imported = false): ProviderPhoneNumber => ({ providerNumberId: `PN${e164.slice(1)}`, e164, friendlyName: e164, voiceUrl: null, phoneNumberId: imported ? newId("phoneNumber") : null });

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

describe("connection form", () => {
  it("builds a Twilio connection with an Auth Token, trimming what was pasted", () => {
    const checked = connectionBody({ ...emptyConnectionForm, name: "Main", accountSid: ` ${accountSid}\n`, authToken: " secret-token-1 " });
    expect(checked).toEqual({ ok: true, body: { provider: "twilio", name: "Main", accountSid, auth: { type: "auth_token", authToken: "secret-token-1" } } });
  });

  it("asks for the API key SID and secret, and the Auth Token that verifies webhooks, with an API key", () => {
    const form = { ...emptyConnectionForm, name: "Main", accountSid, authType: "api_key" as const, apiKeySid: "AC123", apiKeySecret: "", authToken: "" };
    const checked = connectionBody(form);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(Object.keys(checked.fields).sort()).toEqual(["auth.apiKeySecret", "auth.apiKeySid", "auth.authToken"]);
    expect(checked.fields["auth.apiKeySid"]).toMatch(/SK followed by 32 hex digits/);
    const ok = connectionBody({ ...form, apiKeySid, apiKeySecret: "key-secret-1", authToken: "auth-token-1" });
    expect(ok.ok && ok.body.provider === "twilio" && ok.body.auth).toEqual({ type: "api_key", apiKeySid, apiKeySecret: "key-secret-1", authToken: "auth-token-1" });
  });

  it("refuses an Account SID that is not AC and 32 hex digits, and an empty name", () => {
    const checked = connectionBody({ ...emptyConnectionForm, name: " ", accountSid: "AC123", authToken: "secret-token-1" });
    expect(checked.ok === false && Object.keys(checked.fields).sort()).toEqual(["accountSid", "name"]);
  });

  it("renames without sending credentials, and rotates only when asked", () => {
    const current = connection();
    const keep = { ...emptyConnectionForm, name: "Sales", rotate: false };
    expect(connectionPatch(current, keep)).toEqual({ ok: true, body: { name: "Sales" } });
    expect(connectionPatch(current, { ...keep, name: current.name })).toEqual({ ok: true, body: {} });
    const rotated = connectionPatch(current, { ...keep, name: current.name, rotate: true, authToken: "new-token-22" });
    expect(rotated).toEqual({ ok: true, body: { auth: { type: "auth_token", authToken: "new-token-22" } } });
    expect(connectionPatch(current, { ...keep, rotate: true, authToken: "short" }).ok).toBe(false);
  });
});

describe("number settings", () => {
  it("reads countries as typed, whatever the separators and the case, each once", () => {
    expect(parseCountries(" us, ca;gb  US ")).toEqual(["US", "CA", "GB"]);
    expect(parseCountries("")).toEqual([]);
    expect(parseCountries("*")).toEqual(["*"]);
  });

  it("sends only what changed; an emptied agent or caller name becomes null", () => {
    const current = phoneNumber("+14155550100", { agentId: newId("agent"), callerName: "Acme" });
    const form = numberFormOf(current);
    expect(numberPatch(current, form)).toEqual({ ok: true, body: {} });
    expect(numberPatch(current, { ...form, agentId: "", callerName: " ", allowedCountries: "us ca", recordingEnabled: true })).toEqual({
      ok: true,
      body: { agentId: null, callerName: null, allowedCountries: ["US", "CA"], recordingEnabled: true },
    });
  });

  it("names the country that is not a country code and an out-of-range limit", () => {
    const current = phoneNumber("+14155550100");
    const checked = numberPatch(current, { ...numberFormOf(current), allowedCountries: "US, USA", maxConcurrentCalls: 0 });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.fields["allowedCountries"]).toMatch(/^USA: must be a two-letter country code/);
    expect(checked.fields["maxConcurrentCalls"]).toBeDefined();
    expect(numberPatch(current, { ...numberFormOf(current), maxConcurrentCalls: null }).ok).toBe(false);
  });
});

describe("telephony store", () => {
  it("loads both lists, and one failing list leaves the other shown with its own error", async () => {
    const n = phoneNumber("+14155550100");
    const { api, fetch } = apiWith((req) => (req.url.endsWith("/telephony-connections") ? problem("not_found", 404, "Not found") : json({ data: [n] })));
    const store = createTelephonyStore(api);
    await store.load(spaceId);
    expect(fetch.requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual([`GET /v1/spaces/${spaceId}/phone-numbers`, `GET /v1/spaces/${spaceId}/telephony-connections`]);
    expect(store.numbers.value).toEqual([n]);
    expect(store.connectionsError.value).toBe("Not found");
    expect(store.numbersError.value).toBeNull();
    expect(store.loading.value).toBe(false);
  });

  it("shows the API's problem errors under their fields and keeps no secret", async () => {
    const { api, fetch } = apiWith(() => problem("validation_failed", 400, "Twilio refused these credentials", [{ field: "body.auth.authToken", message: "Twilio answered 401: wrong Auth Token" }]));
    const store = createTelephonyStore(api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    const result = await store.createConnection({ ...emptyConnectionForm, name: "Main", accountSid, authToken: "wrong-token-1" });
    expect(result).toEqual({ ok: false, fields: { "auth.authToken": "Twilio answered 401: wrong Auth Token" }, message: "Twilio refused these credentials" });
    expect(JSON.parse(fetch.requests[0]?.body ?? "{}")).toMatchObject({ auth: { authToken: "wrong-token-1" } });
    expect(JSON.stringify(store.connections.value)).not.toContain("wrong-token-1");
  });

  it("adds a created connection in name order; a failed check sends nothing", async () => {
    const made = connection({ name: "Alpha" });
    const { api, fetch } = apiWith(() => json(made, 201));
    const store = createTelephonyStore(api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    applyTelephonyEvent(store, { type: "connections.loaded", spaceId, connections: [connection({ name: "Beta" })] });
    expect((await store.createConnection({ ...emptyConnectionForm, name: "Alpha", accountSid: "nope", authToken: "secret-token-1" })).ok).toBe(false);
    expect(fetch.requests).toHaveLength(0);
    expect((await store.createConnection({ ...emptyConnectionForm, name: "Alpha", accountSid, authToken: "secret-token-1" })).ok).toBe(true);
    expect(store.connections.value.map((c) => c.name)).toEqual(["Alpha", "Beta"]);
  });

  it("drops a deleted connection's numbers, then reads the numbers again", async () => {
    const c = connection();
    const mine = phoneNumber("+14155550100", { connectionId: c.id });
    const other = phoneNumber("+14155550101");
    const { api, fetch } = apiWith((req) => (req.method === "DELETE" ? noContent() : json({ data: [other] })));
    const store = createTelephonyStore(api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    applyTelephonyEvent(store, { type: "connections.loaded", spaceId, connections: [c] });
    applyTelephonyEvent(store, { type: "numbers.loaded", spaceId, numbers: [mine, other] });
    await store.removeConnection(c.id);
    expect(fetch.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`DELETE /v1/telephony-connections/${c.id}`, `GET /v1/spaces/${spaceId}/phone-numbers`]);
    expect(store.connections.value).toEqual([]);
    expect(store.numbers.value).toEqual([other]);
  });

  it("applies an edited number, releases one, and ignores another space's results", async () => {
    const n = phoneNumber("+14155550100");
    const edited = { ...n, inboundEnabled: false };
    const { api, fetch } = apiWith((req) => (req.method === "PATCH" ? json(edited) : noContent()));
    const store = createTelephonyStore(api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    applyTelephonyEvent(store, { type: "numbers.loaded", spaceId, numbers: [n] });
    const saved = await store.updateNumber(n, { ...numberFormOf(n), inboundEnabled: false });
    expect(saved.ok).toBe(true);
    expect(JSON.parse(fetch.requests[0]?.body ?? "{}")).toEqual({ inboundEnabled: false });
    expect(store.numbers.value).toEqual([edited]);
    applyTelephonyEvent(store, { type: "numbers.saved", numbers: [phoneNumber("+14155550199", { spaceId: newId("space") })] });
    expect(store.numbers.value).toHaveLength(1);
    await store.releaseNumber(n.id);
    expect(fetch.requests[1]).toMatchObject({ method: "DELETE", url: `/v1/phone-numbers/${n.id}` });
    expect(store.numbers.value).toEqual([]);
  });

  it("never shows one space's numbers under another, nor a late answer for the space left", () => {
    const store = createTelephonyStore(apiWith(() => json({ data: [] })).api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    applyTelephonyEvent(store, { type: "numbers.loaded", spaceId, numbers: [phoneNumber("+14155550100")] });
    const other = newId("space");
    applyTelephonyEvent(store, { type: "loading", spaceId: other });
    expect(store.numbers.value).toEqual([]);
    applyTelephonyEvent(store, { type: "numbers.loaded", spaceId, numbers: [phoneNumber("+14155550100")] });
    expect(store.numbers.value).toEqual([]);
  });
});

describe("import dialog", () => {
  it("pages forward with the provider's token and back with the remembered one, keeping ticks across pages", async () => {
    const c = newId("telephonyConnection");
    const first = [available("+14155550100"), available("+14155550101", true)];
    const second = [available("+14155550102")];
    const { api, fetch } = apiWith((req) => (new URL(req.url, "http://x").searchParams.get("pageToken") === "p2" ? json({ numbers: second, nextPageToken: null }) : json({ numbers: first, nextPageToken: "p2" })));
    const store = createPhoneImportStore({ api, spaceId });
    await store.open(c);
    expect(fetch.requests[0]?.url).toBe(`/v1/telephony-connections/${c}/available-numbers?pageSize=20`);
    store.togglePage(true);
    expect(Object.keys(store.selected.value)).toEqual([first[0]?.providerNumberId]);
    await store.next();
    expect(fetch.requests[1]?.url).toContain("pageToken=p2");
    expect(store.index.value).toBe(1);
    expect(store.nextPageToken.value).toBeNull();
    store.toggle(second[0] ?? available("+1"), true);
    await store.previous();
    expect(fetch.requests[2]?.url).not.toContain("pageToken");
    expect(store.count.value).toBe(2);
  });

  it("never ticks a number already imported, nor more than one import takes", () => {
    const s = createImportState();
    applyImportEvent(s, { type: "opened", connectionId: "tcn_x" });
    applyImportEvent(s, { type: "toggled", number: available("+14155550100", true), on: true });
    expect(s.selected.value).toEqual({});
    for (let i = 0; i < maxImport + 1; i++) applyImportEvent(s, { type: "toggled", number: available(`+1415555${String(1000 + i).padStart(4, "0")}`), on: true });
    expect(Object.keys(s.selected.value)).toHaveLength(maxImport);
    expect(s.error.value).toMatch(/At most 100/);
    applyImportEvent(s, { type: "opened", connectionId: "tcn_y" });
    expect(s.selected.value).toEqual({});
  });

  it("ignores a page of a connection no longer picked", () => {
    const s = createImportState();
    applyImportEvent(s, { type: "opened", connectionId: "tcn_new" });
    applyImportEvent(s, { type: "page.loaded", connectionId: "tcn_old", index: 0, numbers: [available("+14155550100")], nextPageToken: null });
    expect(s.numbers.value).toBeNull();
  });

  it("imports the ticked numbers bound to the chosen agent, and shows the API's refusal", async () => {
    const c = newId("telephonyConnection");
    const agentId = newId("agent");
    const n = available("+14155550100");
    expect(importBody(c, {}, "")).toEqual({ ok: false, fields: { providerNumberIds: "tick at least one number" } });
    expect(importBody(c, { [n.providerNumberId]: n }, agentId)).toEqual({ ok: true, body: { connectionId: c, providerNumberIds: [n.providerNumberId], agentId } });
    const imported = phoneNumber(n.e164, { connectionId: c, agentId });
    let refuse = true;
    const { api, fetch } = apiWith((req) => (req.method === "GET" ? json({ numbers: [n], nextPageToken: null }) : refuse ? problem("conflict", 409, "+14155550100 is already imported") : json({ imported: [imported] }, 201)));
    const store = createPhoneImportStore({ api, spaceId });
    await store.open(c);
    store.toggle(n, true);
    store.agentId.value = agentId;
    expect(await store.submit()).toBeNull();
    expect(store.message.value).toBe("+14155550100 is already imported");
    refuse = false;
    expect(await store.submit()).toEqual([imported]);
    expect(fetch.requests.at(-1)).toMatchObject({ method: "POST", url: `/v1/spaces/${spaceId}/phone-numbers/import` });
  });
});
