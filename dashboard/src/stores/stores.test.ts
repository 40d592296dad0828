// Store reducers and actions without a DOM: spaces, members and invitations, API keys, agents,
// and the role rules the pages use to hide what the API would refuse.
import { signal } from "@preact/signals";
import { describe, expect, it } from "vitest";
import { Agent } from "../../../packages/contracts/src/agents.ts";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import type { Invitation, Member, Space } from "../../../packages/contracts/src/spaces.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, memoryStorage, noContent, problem, type Recorded } from "../test-support.ts";
import { applyAgentsEvent, createAgentsStore, defaultGreeting, newAgentBody, parseLanguages } from "./agents.ts";
import { applyApiKeysEvent, createApiKeysStore } from "./api-keys.ts";
import { applyMembersEvent, createMembersStore } from "./members.ts";
import { canRemoveMember, permissionsFor } from "./permissions.ts";
import { applySpacesEvent, createSpacesStore } from "./spaces.ts";

const at = "2026-11-01T10:00:00.000Z";
const space = (name: string, role: Space["role"] = "owner"): Space => ({ id: ids.space(), name, role, maxConcurrentCalls: 10, createdAt: at, updatedAt: at });
const member = (email: string, role: Member["role"]): Member => ({ userId: ids.user(), email, name: null, role, joinedAt: at });
const invitation = (spaceId: string, email: string, status: Invitation["status"] = "pending"): Invitation => ({
  id: ids.invitation(), spaceId, email, role: "member", status, invitedBy: null, expiresAt: at, lastSentAt: at, sendCount: 1, createdAt: at, delivery: null,
});

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

describe("permissions", () => {
  it("offers member, invitation, key, billing, webhooks and space management to Owners only", () => {
    expect(permissionsFor("owner")).toEqual({ manageMembers: true, invite: true, manageApiKeys: true, manageProviderKeys: true, manageTelephony: true, manageBilling: true, manageWebhooks: true, manageSpace: true, editAgents: true });
    expect(permissionsFor("member")).toEqual({ manageMembers: false, invite: false, manageApiKeys: false, manageProviderKeys: false, manageTelephony: false, manageBilling: false, manageWebhooks: false, manageSpace: false, editAgents: true });
    expect(permissionsFor(null).editAgents).toBe(false);
  });
  it("lets everyone leave and Owners remove others", () => {
    expect(canRemoveMember("member", "usr_me", "usr_me")).toBe("leave");
    expect(canRemoveMember("member", "usr_me", "usr_other")).toBeNull();
    expect(canRemoveMember("owner", "usr_me", "usr_other")).toBe("remove");
  });
});

describe("spaces store", () => {
  it("sorts by name, adds created spaces and lands on the last one used", async () => {
    const [b, a] = [space("Beta"), space("alpha", "member")];
    const created = space("Gamma");
    const { api } = apiWith((req) => (req.method === "GET" ? json({ data: [b, a] }) : json(created, 201)));
    const storage = memoryStorage();
    const spaces = createSpacesStore(api, storage);
    await spaces.load();
    expect(spaces.spaces.value.map((s) => s.name)).toEqual(["alpha", "Beta"]);
    expect(spaces.landing()).toBe(a.id);
    spaces.open(b.id);
    expect(spaces.role.value).toBe("owner");
    expect(spaces.landing()).toBe(b.id);
    await spaces.create("Gamma");
    expect(spaces.spaces.value.map((s) => s.name)).toEqual(["alpha", "Beta", "Gamma"]);
  });

  it("forgets a removed space and follows role changes", () => {
    const s = space("One");
    const store = { spaces: signal<Space[]>([s]), loaded: signal(true), currentId: signal<string | null>(s.id) };
    applySpacesEvent(store, { type: "roleChanged", spaceId: s.id, role: "member" });
    expect(store.spaces.value[0]?.role).toBe("member");
    applySpacesEvent(store, { type: "removed", spaceId: s.id });
    expect(store.spaces.value).toEqual([]);
    expect(store.currentId.value).toBeNull();
  });
});

describe("members store", () => {
  function setup(myRole: Space["role"] = "owner") {
    const s = space("Team", myRole);
    const me = member("me@x.test", myRole);
    const other = member("bob@x.test", "member");
    const pending = invitation(s.id, "new@x.test");
    const { api, fetch } = apiWith((req) => {
      if (req.method === "GET" && req.url.endsWith("/members")) return json({ data: [other, me] });
      if (req.method === "GET" && req.url.endsWith("/invitations")) return json({ data: [pending, invitation(s.id, "old@x.test", "expired")] });
      if (req.method === "PATCH") return json({ ...me, role: JSON.parse(req.body ?? "{}").role });
      if (req.method === "DELETE") return noContent();
      if (req.method === "POST" && req.url.endsWith("/invitations")) return json(invitation(s.id, JSON.parse(req.body ?? "{}").email), 201);
      if (req.method === "POST" && req.url.endsWith("/resend")) return json({ ...pending, sendCount: 2 });
      return problem("not_found", 404, "no");
    });
    const spaces = createSpacesStore(api, memoryStorage());
    applySpacesEvent(spaces, { type: "loaded", spaces: [s] });
    spaces.open(s.id);
    const members = createMembersStore(api, spaces, () => me.userId);
    return { s, me, other, pending, members, spaces, fetch };
  }

  it("loads members (Owners first) and only pending invitations", async () => {
    const { s, members, me, pending } = setup();
    await members.load(s.id, true);
    expect(members.members.value.map((m) => m.email)).toEqual([me.email, "bob@x.test"]);
    expect(members.invitations.value.map((i) => i.id)).toEqual([pending.id]);
  });

  it("does not ask Members' browsers for invitations (the API answers 403)", async () => {
    const { s, members, fetch } = setup("member");
    await members.load(s.id, false);
    expect(fetch.requests.map((r) => r.url)).toEqual([`/v1/spaces/${s.id}/members`]);
  });

  it("passes a change of the caller's own role and leaving on to the spaces store", async () => {
    const { s, members, spaces, me } = setup();
    await members.load(s.id, true);
    await members.changeRole(me.userId, "member");
    expect(spaces.role.value).toBe("member");
    expect(members.members.value.find((m) => m.userId === me.userId)?.role).toBe("member");
    await members.remove(me.userId);
    expect(spaces.spaces.value).toEqual([]);
  });

  it("validates invitations with the API's schema before sending", async () => {
    const { s, members, fetch } = setup();
    await members.load(s.id, true);
    await expect(members.invite({ email: "not-an-email", role: "member" })).rejects.toThrow(/email/);
    expect(fetch.requests.some((r) => r.method === "POST")).toBe(false);
    await members.invite({ email: "  Carol@X.test ", role: "member" });
    expect(JSON.parse(fetch.requests.at(-1)?.body ?? "{}")).toEqual({ email: "carol@x.test", role: "member" });
    expect(members.invitations.value.map((i) => i.email)).toContain("carol@x.test");
  });

  it("resends in place and revokes (a 404 means it was already gone)", async () => {
    const { s, members, pending } = setup();
    await members.load(s.id, true);
    await members.resend(pending.id);
    expect(members.invitations.value.find((i) => i.id === pending.id)?.sendCount).toBe(2);
    await members.revoke(pending.id);
    expect(members.invitations.value).toEqual([]);
  });

  it("ignores a late answer for a space that is no longer open", () => {
    const { members } = setup();
    applyMembersEvent(members, { type: "loading", spaceId: "spc_a" });
    applyMembersEvent(members, { type: "loading", spaceId: "spc_b" });
    applyMembersEvent(members, { type: "loaded", spaceId: "spc_a", members: [member("x@x.test", "owner")], invitations: [] });
    expect(members.members.value).toEqual([]);
    expect(members.loading.value).toBe(true);
  });
});

describe("api keys store", () => {
  it("shows a new key's secret once, never in the list, and forgets it on another space", async () => {
    const s = ids.space();
    const listed = { id: ids.apiKey(), spaceId: s, name: "CI", prefix: "sk_live_ab", createdAt: at, lastUsedAt: null };
    const { api } = apiWith((req) => (req.method === "GET" ? json({ data: [] }) : json({ ...listed, key: "sk_live_abSECRET" }, 201)));
    const keys = createApiKeysStore(api);
    await keys.load(s);
    await keys.create("CI");
    expect(keys.revealed.value?.key).toBe("sk_live_abSECRET");
    expect(keys.keys.value).toEqual([listed]);
    applyApiKeysEvent(keys, { type: "loading", spaceId: ids.space() });
    expect(keys.revealed.value).toBeNull();
    expect(keys.keys.value).toEqual([]);
  });

  it("rejects an empty name before calling the API", async () => {
    const { api, fetch } = apiWith(() => json({ data: [] }));
    const keys = createApiKeysStore(api);
    await keys.load(ids.space());
    await expect(keys.create("   ")).rejects.toThrow(/must not be empty/);
    expect(fetch.requests).toHaveLength(1);
  });
});

describe("agents store", () => {
  const model = (kind: CatalogModel["kind"], provider: string, m: string): CatalogModel => ({
    id: "mdl_00000000000000000000000001", kind, provider, model: m, displayName: m, enabled: true, offline: true, defaultParams: {}, languages: [], createdAt: at, updatedAt: at,
  });
  const input = { name: "Support", languages: [{ language: "en", firstMessage: "Hello!" }], llm: model("llm", "scripted", "demo"), stt: model("stt", "pocketsphinx", "en-us"), tts: model("tts", "flite", "flite"), voice: "rms" };
  // The API's own parse fills every default, as the server's answer carries them.
  const agent = (spaceId: string, name: string): Agent =>
    Agent.parse({ ...newAgentBody({ ...input, name }), id: ids.agent(), spaceId, version: 1, published: false, publishedVersion: null, createdAt: at, updatedAt: at });

  it("builds a create body the API's schema accepts: a first message, end_call, and refuses bad fields", () => {
    expect(newAgentBody(input)).toEqual({
      name: "Support", llm: { provider: "scripted", model: "demo" }, stt: { provider: "pocketsphinx", model: "en-us" }, defaultLanguage: "en",
      locales: [{ language: "en", firstMessage: "Hello!", tts: { provider: "flite", model: "flite", voice: "rms" } }],
      tools: [{ type: "system", name: "end_call" }],
    });
    expect(() => newAgentBody({ ...input, name: "" })).toThrow(/must not be empty/);
    expect(() => newAgentBody({ ...input, languages: [{ language: "english!", firstMessage: "" }] })).toThrow(/BCP 47/);
    expect(() => newAgentBody({ ...input, languages: [] })).toThrow(/at least one locale/);
  });

  it("turns on switch_language when a new agent has several languages, the first being the default", () => {
    const body = newAgentBody({ ...input, languages: parseLanguages("de, en de").map((language) => ({ language, firstMessage: defaultGreeting(language) })) });
    expect(body.defaultLanguage).toBe("de");
    expect(body.locales?.map((l) => [l.language, l.firstMessage])).toEqual([["de", "Hallo! Wie kann ich Ihnen heute helfen?"], ["en", "Hello! How can I help you today?"]]);
    expect(body.tools).toEqual([{ type: "system", name: "end_call" }, { type: "system", name: "switch_language" }]);
    expect(defaultGreeting("xx")).toBe("Hello! How can I help you today?");
  });

  it("searches server-side, drops stale answers, and inserts created agents matching the search", async () => {
    const s = ids.space();
    const support = agent(s, "Support");
    const { api, fetch } = apiWith((req) => (req.method === "POST" ? json({ ...agent(s, "Sales bot"), warnings: [] }, 201) : json({ data: [support] })));
    const agents = createAgentsStore(api);
    await agents.load(s, "sup");
    expect(fetch.requests[0]?.url).toBe(`/v1/spaces/${s}/agents?search=sup`);
    expect(agents.agents.value.map((a) => a.name)).toEqual(["Support"]);
    applyAgentsEvent(agents, { type: "loading", spaceId: s, search: "supp" });
    applyAgentsEvent(agents, { type: "loaded", spaceId: s, search: "sup", agents: [] });
    expect(agents.agents.value.map((a) => a.name)).toEqual(["Support"]);
    await agents.create({ ...input, name: "Sales bot" }); // does not match "supp": stays out of the list
    expect(agents.agents.value.map((a) => a.name)).toEqual(["Support"]);
    applyAgentsEvent(agents, { type: "loaded", spaceId: s, search: "supp", agents: [support] });
    applyAgentsEvent(agents, { type: "created", agent: agent(s, "Support 2") });
    expect(agents.agents.value.map((a) => a.name)).toEqual(["Support 2", "Support"]);
    applyAgentsEvent(agents, { type: "deleted", agentId: support.id });
    expect(agents.agents.value.map((a) => a.name)).toEqual(["Support 2"]);
  });
});
