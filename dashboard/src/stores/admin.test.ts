// The platform Admin's stores without a DOM: users a page at a time, and the model catalog with
// its forms' text turned into the API's bodies.
import { describe, expect, it } from "vitest";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import type { AdminUser } from "../../../packages/contracts/src/users.ts";
import { ApiProblem, createApi } from "../api/client.ts";
import { fakeFetch, ids, json, problem, type Recorded } from "../test-support.ts";
import { fieldsHeadline } from "../ui/forms.ts";
import { applyAdminCatalogEvent, catalogFormErrors, createAdminCatalogStore, createBodyFrom, editDraftOf, emptyDraft, updateBodyFrom } from "./admin-catalog.ts";
import { adminUsersPageSize, applyAdminUsersEvent, createAdminUsersStore } from "./admin-users.ts";

const at = "2026-11-01T10:00:00.000Z";

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

const user = (email: string): AdminUser => ({ id: ids.user(), email, name: null, isPlatformAdmin: false, spaceCount: 1, createdAt: at, lastLoginAt: null });

describe("admin users store", () => {
  it("loads the newest users first and appends the next page from the cursor", async () => {
    const [c, b, a] = [user("c@x.test"), user("b@x.test"), user("a@x.test")];
    const { api, fetch } = apiWith((req) => (req.url.includes("cursor=") ? json({ data: [a], nextCursor: null }) : json({ data: [c, b], nextCursor: b.id })));
    const users = createAdminUsersStore(api);
    await users.load();
    expect(fetch.requests[0]?.url).toBe(`/v1/admin/users?limit=${adminUsersPageSize}`);
    expect(users.users.value.map((u) => u.email)).toEqual(["c@x.test", "b@x.test"]);
    expect(users.nextCursor.value).toBe(b.id);
    await users.loadMore();
    expect(fetch.requests[1]?.url).toBe(`/v1/admin/users?limit=${adminUsersPageSize}&cursor=${b.id}`);
    expect(users.users.value.map((u) => u.email)).toEqual(["c@x.test", "b@x.test", "a@x.test"]);
    expect(users.nextCursor.value).toBeNull();
    await users.loadMore(); // nothing left: no request
    expect(fetch.requests).toHaveLength(2);
  });

  it("says why when the caller is not a platform Admin", async () => {
    const { api } = apiWith(() => problem("forbidden", 403, "this needs the platform Admin role"));
    const users = createAdminUsersStore(api);
    await users.load();
    expect(users.error.value).toBe("this needs the platform Admin role");
    expect(users.loading.value).toBe(false);
    expect(users.users.value).toEqual([]);
  });

  it("drops a late next page that arrives after the list was loaded again", async () => {
    const { api } = apiWith(() => json({ data: [], nextCursor: null }));
    const users = createAdminUsersStore(api);
    applyAdminUsersEvent(users, { type: "loading", generation: 1 });
    applyAdminUsersEvent(users, { type: "loading", generation: 2 });
    applyAdminUsersEvent(users, { type: "loaded", generation: 1, users: [user("old@x.test")], nextCursor: null, append: true });
    expect(users.users.value).toEqual([]);
    expect(users.loading.value).toBe(true);
  });
});

const model = (over: Partial<CatalogModel>): CatalogModel => ({
  id: "mdl_00000000000000000000000001", kind: "llm", provider: "scripted", model: "demo", displayName: "Demo", enabled: true, offline: true, defaultParams: {}, languages: [], createdAt: at, updatedAt: at, ...over,
});

describe("admin catalog store", () => {
  it("lists every model, disabled ones too, in kind, provider, model order", async () => {
    const tts = model({ id: "mdl_00000000000000000000000003", kind: "tts", provider: "flite", model: "flite" });
    const off = model({ id: "mdl_00000000000000000000000002", provider: "openrouter", model: "x", enabled: false, offline: false });
    const llm = model({});
    const { api, fetch } = apiWith(() => json({ data: [tts, off, llm], systemTools: [] }));
    const catalog = createAdminCatalogStore(api);
    await catalog.load();
    expect(fetch.requests[0]?.url).toBe("/v1/catalog?all=true");
    expect(catalog.models.value.map((m) => m.id)).toEqual([off.id, llm.id, tts.id]);
  });

  it("turns the add form's text into the API's body: languages listed, parameters parsed", () => {
    const draft = { ...emptyDraft("stt"), model: "nova-3", displayName: " Deepgram Nova 3 ", languages: "en, de-DE en", defaultParams: '{"smartFormat": true}' };
    expect(draft.provider).toBe("deepgram");
    expect(createBodyFrom(draft)).toEqual({
      kind: "stt", provider: "deepgram", model: "nova-3", displayName: "Deepgram Nova 3", enabled: true, languages: ["en", "de-DE"], defaultParams: { smartFormat: true },
    });
    expect(createBodyFrom({ ...draft, languages: "", defaultParams: " " })).toMatchObject({ languages: [], defaultParams: {} });
  });

  it("reports every bad field of the add form at once, before any request", async () => {
    const { api, fetch } = apiWith(() => json({}));
    const catalog = createAdminCatalogStore(api);
    const bad = { ...emptyDraft("tts"), provider: "deepgram", model: "", displayName: "", languages: "en, x", defaultParams: "{temperature: 1}" };
    const err = await catalog.create(bad).catch((e: unknown) => e);
    expect(catalogFormErrors(err).fields).toEqual({
      defaultParams: 'must be a JSON object, e.g. {"temperature": 0.7}',
      model: expect.any(String),
      displayName: expect.any(String),
      languages: expect.stringMatching(/^1: /),
      provider: "unknown tts provider; one of elevenlabs, cartesia, openai, flite",
    });
    expect(fetch.requests).toEqual([]);
    const nested = catalogErr(() => createBodyFrom({ ...emptyDraft("tts"), model: "m", displayName: "M", defaultParams: '{"voice": {"id": 1}}' }));
    expect(Object.keys(catalogFormErrors(nested).fields)).toEqual(["defaultParams"]);
  });

  it("adds a created model in its place and shows the API's conflict", async () => {
    const existing = model({});
    let answer = json(model({ id: "mdl_00000000000000000000000009", kind: "vad", provider: "silero", model: "v5" }), 201);
    const { api, fetch } = apiWith((req) => (req.method === "GET" ? json({ data: [existing], systemTools: [] }) : answer));
    const catalog = createAdminCatalogStore(api);
    await catalog.load();
    await catalog.create({ ...emptyDraft("vad"), model: "v5", displayName: "Silero v5" });
    expect(JSON.parse(fetch.requests.at(-1)?.body ?? "{}")).toMatchObject({ kind: "vad", provider: "silero", model: "v5", enabled: true });
    expect(catalog.models.value.map((m) => m.kind)).toEqual(["llm", "vad"]);
    answer = problem("conflict", 409, 'the catalog already has vad model "v5" of "silero"');
    const err = await catalog.create({ ...emptyDraft("vad"), model: "v5", displayName: "Silero v5" }).catch((e: unknown) => e);
    expect(catalogFormErrors(err)).toEqual({ fields: {}, message: 'the catalog already has vad model "v5" of "silero"' });
  });

  it("enables, disables and edits a model through PATCH, replacing it in the list", async () => {
    const m = model({ defaultParams: { temperature: 0.2 }, languages: ["en"] });
    const { api, fetch } = apiWith((req) => (req.method === "GET" ? json({ data: [m], systemTools: [] }) : json({ ...m, ...JSON.parse(req.body ?? "{}") })));
    const catalog = createAdminCatalogStore(api);
    await catalog.load();
    await catalog.setEnabled(m.id, false);
    expect(fetch.requests.at(-1)).toMatchObject({ method: "PATCH", url: `/v1/catalog/${m.id}`, body: '{"enabled":false}' });
    expect(catalog.models.value[0]?.enabled).toBe(false);
    const draft = editDraftOf(m);
    expect(draft).toEqual({ displayName: "Demo", languages: "en", defaultParams: '{\n  "temperature": 0.2\n}' });
    await catalog.update(m.id, { ...draft, displayName: "Scripted demo", languages: "en, fr" });
    expect(JSON.parse(fetch.requests.at(-1)?.body ?? "{}")).toEqual({ displayName: "Scripted demo", languages: ["en", "fr"], defaultParams: { temperature: 0.2 } });
    expect(catalog.models.value).toHaveLength(1);
    expect(catalog.models.value[0]).toMatchObject({ displayName: "Scripted demo", languages: ["en", "fr"] });
    expect(() => updateBodyFrom({ ...draft, displayName: " " })).toThrow();
  });

  it("puts the API's field errors on the form's fields", () => {
    const err = new ApiProblem(400, "validation_failed", "the request did not pass validation", "req_1", [
      { field: "body.languages.1", message: "Too small" },
      { field: "body.defaultParams.temperature", message: "Invalid input" },
    ]);
    expect(catalogFormErrors(err)).toEqual({
      fields: { languages: "1: Too small", defaultParams: "temperature: is not valid" },
      message: fieldsHeadline,
    });
    const state = createAdminCatalogStore(apiWith(() => json({})).api);
    applyAdminCatalogEvent(state, { type: "failed", error: "offline" });
    expect(state.error.value).toBe("offline");
  });
});

function catalogErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}
