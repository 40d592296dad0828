// The provider keys store without a DOM: listing, adding and editing with the contract's and the
// API's errors, a URL change that needs the key again, deleting, and the "which key" labels the
// agent editor's model pickers show.
import { describe, expect, it } from "vitest";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { ProviderCredential } from "../../../packages/contracts/src/provider-credentials.ts";
import { tuningDefaults } from "../../../packages/contracts/src/provider-params.ts";
import { createApi } from "../api/client.ts";
import { matchRoute, spacePath } from "../router.ts";
import { pageAfterSwitch, permissionsFor } from "./permissions.ts";
import { fakeFetch, json, noContent, problem, type Recorded } from "../test-support.ts";
import { createProviderCredentialsStore, credentialPatch, credentialsFor, keyInUse } from "./provider-credentials.ts";

const at = "2026-11-01T10:00:00.000Z";
const spaceId = newId("space");
const credential = (over: Partial<ProviderCredential> = {}): ProviderCredential => ({
  id: newId("providerCredential"),
  spaceId,
  provider: "openai-compatible",
  name: "Ours",
  baseUrl: "https://api.openai.com/v1",
  keyHint: "…abcd",
  version: 1,
  createdAt: at,
  updatedAt: at,
  ...over,
});

function setup(handler: (req: Recorded) => Response, list: ProviderCredential[] = []) {
  const fetch = fakeFetch((req) => (req.method === "GET" ? json({ data: list }) : handler(req)));
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  return { fetch, store: createProviderCredentialsStore(api) };
}

describe("provider keys store", () => {
  it("adds a key: sends it once, keeps only what the API answers (the hint, never the key)", async () => {
    const saved = credential({ name: "Ollama", baseUrl: "https://llm.example.com/v1", keyHint: "…wxyz" });
    const { store, fetch } = setup(() => json(saved, 201));
    await store.load(spaceId);
    const result = await store.create({ provider: "openai-compatible", name: "Ollama", apiKey: "sk-secret-wxyz", baseUrl: " https://llm.example.com/v1 " });
    expect(result.ok).toBe(true);
    expect(fetch.requests.at(-1)).toMatchObject({ method: "POST", url: `/v1/spaces/${spaceId}/provider-credentials` });
    expect(JSON.parse(fetch.requests.at(-1)?.body ?? "{}")).toEqual({ provider: "openai-compatible", name: "Ollama", apiKey: "sk-secret-wxyz", baseUrl: "https://llm.example.com/v1" });
    expect(store.credentials.value).toEqual([saved]);
    expect(JSON.stringify(store.credentials.value)).not.toContain("sk-secret");
  });

  it("checks the form with the contract before calling the API, and shows the API's field errors", async () => {
    let answer = problem("validation_failed", 400, "the base URL is not a destination a key may be sent to", [{ field: "body.baseUrl", message: "points to a link-local address (169.254.169.254)" }]);
    const { store, fetch } = setup(() => answer);
    await store.load(spaceId);
    const local = await store.create({ provider: "deepgram", name: "", apiKey: "short", baseUrl: "" });
    expect(local).toMatchObject({ ok: false, fields: { name: expect.any(String), apiKey: expect.any(String) } });
    expect(fetch.requests.filter((r) => r.method === "POST")).toEqual([]);
    const remote = await store.create({ provider: "deepgram", name: "Ours", apiKey: "dg-0123456789", baseUrl: "http://169.254.169.254/" });
    expect(remote).toMatchObject({ ok: false, fields: { baseUrl: "points to a link-local address (169.254.169.254)" } });
    answer = problem("forbidden", 403, "this needs the Owner role in the space");
    expect(await store.create({ provider: "deepgram", name: "Ours", apiKey: "dg-0123456789", baseUrl: "" })).toMatchObject({ ok: false, message: "this needs the Owner role in the space" });
    expect(store.credentials.value).toEqual([]);
  });

  it("moves a key to a new URL only together with a new key", () => {
    const current = credential({ name: "Ours", baseUrl: "https://llm.example.com/v1" });
    expect(credentialPatch(current, { name: "Ours", apiKey: "", baseUrl: "https://other.example.com/v1" })).toMatchObject({ ok: false, fields: { apiKey: expect.stringContaining("enter the key again") } });
    expect(credentialPatch(current, { name: "Ours", apiKey: "", baseUrl: "https://llm.example.com/v1/" })).toEqual({ ok: true, body: {} });
    expect(credentialPatch(current, { name: "Renamed", apiKey: "", baseUrl: "" })).toEqual({ ok: true, body: { name: "Renamed" } });
    expect(credentialPatch(current, { name: "Ours", apiKey: "sk-new-0123456789", baseUrl: "https://other.example.com/v1" })).toEqual({ ok: true, body: { apiKey: "sk-new-0123456789", baseUrl: "https://other.example.com/v1" } });
  });

  it("replaces a key and deletes one, following the API's answers", async () => {
    const a = credential({ name: "A" });
    const b = credential({ name: "B", provider: "cartesia", baseUrl: "https://api.cartesia.ai" });
    const { store, fetch } = setup((req) => (req.method === "DELETE" ? noContent() : json({ ...a, keyHint: "…9999", version: 2 })), [b, a]);
    await store.load(spaceId);
    expect(store.credentials.value.map((c) => c.name)).toEqual(["B", "A"]);
    const rotated = await store.update(a, { name: "A", apiKey: "sk-rotated-9999", baseUrl: "" });
    expect(rotated.ok).toBe(true);
    expect(fetch.requests.at(-1)).toMatchObject({ method: "PATCH", url: `/v1/provider-credentials/${a.id}`, body: JSON.stringify({ apiKey: "sk-rotated-9999" }) });
    expect(store.credentials.value.find((c) => c.id === a.id)?.keyHint).toBe("…9999");
    await store.remove(b.id);
    expect(store.credentials.value.map((c) => c.id)).toEqual([a.id]);
  });

  it("keeps a delete the API refuses (agents use the key) and shows why", async () => {
    const a = credential();
    const { store } = setup(() => problem("conflict", 409, 'agents still use this provider key: "Support" (agt_x)'), [a]);
    await store.load(spaceId);
    await expect(store.remove(a.id)).rejects.toThrow(/Support/);
    expect(store.credentials.value).toEqual([a]);
  });

  it("names the key a stage will use: none offline, the platform's (and the Admin's endpoint), or the space's with its hint and host", () => {
    const model = (over: Partial<CatalogModel>): CatalogModel => ({ id: newId("catalogModel"), kind: "llm", provider: "openai-compatible", model: "gpt-4o-mini", displayName: "x", enabled: true, offline: false, defaultParams: {}, languages: [], createdAt: at, updatedAt: at, ...over });
    const ours = credential({ name: "Ours", baseUrl: "https://llm.example.com/v1", keyHint: "…abcd" });
    const catalog = [model({}), model({ provider: "scripted", model: "demo", offline: true }), model({ provider: "openrouter", model: "x/y", defaultParams: { baseUrl: "https://gw.platform.example/api/v1" } })];
    expect(keyInUse("llm", { provider: "scripted", model: "demo" }, catalog, [ours])).toEqual({ kind: "offline", label: "no key (offline)" });
    expect(keyInUse("llm", { provider: "openai-compatible", model: "gpt-4o-mini" }, catalog, [ours])).toEqual({ kind: "platform", label: "platform key" });
    expect(keyInUse("llm", { provider: "openrouter", model: "x/y", credentialId: null }, catalog, [])).toEqual({ kind: "platform", label: "platform key → gw.platform.example" });
    expect(keyInUse("llm", { provider: "openai-compatible", model: "gpt-4o-mini", credentialId: ours.id }, catalog, [ours])).toEqual({ kind: "space", label: "space key ‘Ours’ …abcd → llm.example.com" });
    expect(keyInUse("llm", { provider: "openai-compatible", model: "gpt-4o-mini", credentialId: newId("providerCredential") }, catalog, [ours]).kind).toBe("missing");
    expect(credentialsFor("openai-compatible", [ours, credential({ provider: "deepgram" })])).toEqual([ours]);
  });

  it("does not call a picked key missing while the space's keys are not known yet", () => {
    const choice = { provider: "openai-compatible", model: "gpt-4o-mini", credentialId: newId("providerCredential") };
    expect(keyInUse("llm", choice, null, null)).toEqual({ kind: "space", label: "space key" });
    expect(keyInUse("llm", { ...choice, credentialId: null }, null, null).kind).toBe("platform");
  });

  it("lives at /spaces/{id}/provider-keys, where every member may look and only Owners change keys", () => {
    expect(matchRoute("/app/spaces/spc_1/provider-keys", "")).toEqual({ name: "providerKeys", spaceId: "spc_1" });
    expect(spacePath("spc_1", "providerKeys")).toBe("/app/spaces/spc_1/provider-keys");
    expect(pageAfterSwitch("providerKeys", "member")).toBe("providerKeys");
    expect(permissionsFor("member").manageProviderKeys).toBe(false);
    expect(permissionsFor("owner").manageProviderKeys).toBe(true);
  });

  it("lets the agent editor inherit the catalog's tuning but never the Admin's endpoint", () => {
    expect(tuningDefaults("tts", "elevenlabs", { baseUrl: "https://tts.platform.example/v1", stability: 0.3, unknown: 1 })).toEqual({ stability: 0.3 });
  });
});
