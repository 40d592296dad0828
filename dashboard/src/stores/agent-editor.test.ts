// The agent editor's store and text helpers without a DOM: draft → PATCH body (changed fields
// only, If-Match), client-side and API field errors, the 412 conflict and reload, publishing,
// {{variable}} extraction and completion, the prompt line diff, and the router's leave guard.
import { describe, expect, it } from "vitest";
import { Agent, AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import { createApi } from "../api/client.ts";
import { createRouter, matchRoute, agentPath, type HistoryLike } from "../router.ts";
import { fakeFetch, ids, json, problem, type Recorded } from "../test-support.ts";
import { fieldsHeadline } from "../ui/forms.ts";
import { applyCompletion, completionAt, lineDiff, parseDefault, promptVariables } from "./agent-editor-text.ts";
import { configOf, createAgentEditorStore, newVariableName, patchBody, renameKey, sameJson, tabOfField, validateDraft } from "./agent-editor.ts";
import { backchannelErrors } from "./turn-settings.ts";

const at = "2026-11-01T10:00:00.000Z";

function agentFixture(overrides: Partial<Agent> = {}): Agent {
  const config = AgentConfig.parse({
    name: "Support",
    systemPrompt: "You help {{customer_name}}.\nBe brief.",
    llm: { provider: "scripted", model: "echo" },
    stt: { provider: "pocketsphinx", model: "en-us" },
    defaultLanguage: "en",
    locales: [{ language: "en", firstMessage: "Hi {{customer_name}}!", tts: { provider: "flite", model: "kal", voice: "kal" } }],
    variables: { properties: { customer_name: { type: "string", description: "Who calls" } }, required: [] },
  });
  return { ...config, id: ids.agent(), spaceId: ids.space(), version: 3, published: false, publishedVersion: null, createdAt: at, updatedAt: at, ...overrides };
}

function setup(handler: (req: Recorded, agent: Agent) => Response | Promise<Response | undefined> | undefined, agent = agentFixture()) {
  const fetch = fakeFetch(async (req) => (await handler(req, agent)) ?? (req.method === "GET" && req.url === `/v1/agents/${agent.id}` ? json(agent) : json({ error: "unexpected" }, 599)));
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  const store = createAgentEditorStore({ api, agentId: agent.id, loadCatalog: async () => [] });
  return { store, fetch, agent };
}

const body = (req: Recorded | undefined): Record<string, unknown> => JSON.parse(req?.body ?? "{}") as Record<string, unknown>;

describe("patchBody", () => {
  it("holds only the changed top-level fields, whatever the key order", () => {
    const saved = configOf(agentFixture());
    const draft = structuredClone(saved);
    expect(patchBody(saved, draft)).toEqual({});
    draft.widget = { ...draft.widget, theme: { backgroundColor: draft.widget.theme.backgroundColor, textColor: draft.widget.theme.textColor, primaryColor: draft.widget.theme.primaryColor } };
    expect(patchBody(saved, draft)).toEqual({});
    draft.temperature = 0.2;
    const locale = draft.locales[0];
    if (locale) locale.speed = 1.25;
    expect(patchBody(saved, draft)).toEqual({ temperature: 0.2, locales: draft.locales });
  });

  it("compares JSON deeply: arrays by order, undefined keys as absent", () => {
    expect(sameJson({ a: [1, 2], b: undefined }, { a: [1, 2] })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: null }, { a: undefined })).toBe(false);
  });
});

describe("agent editor store", () => {
  it("saves only the edited fields with If-Match and takes the saved agent as the new base", async () => {
    const { store, fetch, agent } = setup((req, a) => {
      if (req.method === "PATCH") return json({ ...a, ...body(req), version: 4, warnings: [{ field: "body.variables.properties.x", message: "unused" }] });
      return undefined;
    });
    await store.load();
    expect(store.dirty.value).toBe(false);
    store.edit((d) => void (d.name = "Support desk"));
    store.edit((d) => void (d.temperature = 0.3));
    expect(store.dirty.value).toBe(true);
    expect(await store.save()).toBe(true);
    const patch = fetch.requests.find((r) => r.method === "PATCH");
    expect(patch?.url).toBe(`/v1/agents/${agent.id}`);
    expect(patch?.headers["if-match"]).toBe('"3"');
    expect(body(patch)).toEqual({ name: "Support desk", temperature: 0.3 });
    expect(store.agent.value?.version).toBe(4);
    expect(store.dirty.value).toBe(false);
    expect(store.warnings.value).toEqual([{ field: "body.variables.properties.x", message: "unused" }]);
    // Nothing changed: no request.
    const sent = fetch.requests.length;
    expect(await store.save()).toBe(true);
    expect(fetch.requests.length).toBe(sent);
  });

  it("keeps edits made while a save is in flight", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { store } = setup(async (req, a) => {
      if (req.method !== "PATCH") return undefined;
      await gate;
      return json({ ...a, ...body(req), version: 4, warnings: [] });
    });
    await store.load();
    store.edit((d) => void (d.name = "First"));
    const saving = store.save();
    store.edit((d) => void (d.systemPrompt = "Typed meanwhile"));
    release();
    expect(await saving).toBe(true);
    expect(store.agent.value?.name).toBe("First");
    expect(store.draft.value?.systemPrompt).toBe("Typed meanwhile");
    expect(Object.keys(store.patch.value)).toEqual(["systemPrompt"]);
  });

  it("maps the schemas' errors to fields before sending, and clears them as they are fixed", async () => {
    const { store, fetch } = setup(() => undefined);
    await store.load();
    store.edit((d) => {
      d.name = "  ";
      d.temperature = 1.5;
      d.systemPrompt = "Hello {{nobody}} and {{ broken";
      d.widget.theme.primaryColor = "blue";
      d.variables.properties["bad-name"] = { type: "string" };
    });
    expect(await store.save()).toBe(false);
    expect(fetch.requests.filter((r) => r.method === "PATCH")).toEqual([]);
    const f = store.fields.value;
    expect(f["name"]).toBe("must not be empty");
    expect(f["temperature"]).toBe("must be between 0 and 1");
    expect(f["widget.theme.primaryColor"]).toBe("must be a #rrggbb colour");
    expect(Object.keys(f).some((k) => k.startsWith("variables.properties"))).toBe(true);
    expect(store.message.value).toMatch(/Fix the highlighted fields/);
    store.edit((d) => {
      d.name = "Ok";
      delete d.variables.properties["bad-name"];
    });
    expect(store.fields.value["name"]).toBeUndefined();
    // With the variables valid again, the template check runs: undeclared and malformed placeholders.
    expect(store.fields.value["systemPrompt"]).toBe('uses undeclared variable "nobody"');
    expect(tabOfField("widget.theme.primaryColor")).toBe("widget");
  });

  it("checks locales like the API: one per language and one for the default language", () => {
    const draft = configOf(agentFixture());
    const en = draft.locales[0];
    if (!en) throw new Error("fixture");
    draft.locales.push({ ...structuredClone(en), language: "EN" });
    draft.defaultLanguage = "de";
    const f = validateDraft(draft, { locales: draft.locales, defaultLanguage: "de" });
    expect(f["locales.1.language"]).toBe('language "EN" appears twice');
    expect(f["defaultLanguage"]).toBe('"de" has no locale');
    expect(tabOfField("locales.1.language")).toBe("languages");
    draft.locales = [];
    expect(validateDraft(draft, { locales: [] })["locales"]).toBe("needs at least one locale");
  });

  it("shows the API's field errors after sending", async () => {
    const { store } = setup((req) =>
      req.method === "PATCH" ? problem("validation_failed", 400, "the agent's configuration is not valid", [{ field: "body.llm.model", message: 'llm model "x" of provider "scripted" is disabled' }]) : undefined,
    );
    await store.load();
    store.edit((d) => void (d.llm.model = "x"));
    expect(await store.save()).toBe(false);
    expect(store.fields.value).toEqual({ "llm.model": 'llm model "x" of provider "scripted" is disabled' });
    expect(store.message.value).toBe("the agent's configuration is not valid");
    expect(tabOfField("llm.model")).toBe("models");
    expect(store.conflict.value).toBeNull();
  });

  it("puts turn-taking and the VAD it builds on in the Turn-taking tab, and refuses a maximum delay under the minimum before sending", async () => {
    const { store, fetch } = setup(() => undefined);
    await store.load();
    store.edit((d) => void (d.turn.maxEndpointingDelayMs = 100));
    expect(await store.save()).toBe(false);
    expect(store.fields.value["turn.maxEndpointingDelayMs"]).toBe("must be at least the minimum endpointing delay");
    expect(fetch.requests.filter((r) => r.method === "PATCH")).toEqual([]);
    expect(tabOfField("turn.maxEndpointingDelayMs")).toBe("turn");
    expect(tabOfField("turn.interruption.backchannels.en.0")).toBe("turn");
    expect(tabOfField("vad.minSilenceMs")).toBe("turn");
  });

  it("puts the API's refusal of a backchannel on its language's list, quoting the phrase", async () => {
    const { store } = setup((req) =>
      req.method === "PATCH" ? problem("validation_failed", 400, "the request did not pass validation", [{ field: "body.turn.interruption.backchannels.en.1", message: "is not allowed here" }]) : undefined,
    );
    await store.load();
    store.edit((d) => void (d.turn.interruption.backchannels = { en: ["yeah", "righto"] }));
    expect(await store.save()).toBe(false);
    expect(store.fields.value).toEqual({ "turn.interruption.backchannels.en.1": "is not allowed here" });
    expect(tabOfField("turn.interruption.backchannels.en.1")).toBe("turn");
    expect(backchannelErrors(store.fields.value, "en", store.draft.value?.turn.interruption.backchannels["en"] ?? [])).toEqual(['"righto" is not allowed here']);
  });

  it("drops the API's error on a field as soon as that field changes, and the headline with the last one", async () => {
    const { store } = setup((req) =>
      req.method === "PATCH"
        ? problem("validation_failed", 400, "the request did not pass validation", [{ field: "body.locales.0.tts.voice", message: "Invalid input" }, { field: "body.llm.model", message: "is disabled" }])
        : undefined,
    );
    await store.load();
    store.edit((d) => void (d.name = "Support 2"));
    expect(await store.save()).toBe(false);
    expect(store.fields.value).toEqual({ "locales.0.tts.voice": "is not valid", "llm.model": "is disabled" });
    store.edit((d) => void (d.systemPrompt = "Be kind."));
    expect(Object.keys(store.fields.value).sort()).toEqual(["llm.model", "locales.0.tts.voice"]);
    store.edit((d) => void (d.locales[0]!.tts.voice = "slt"));
    expect(store.fields.value).toEqual({ "llm.model": "is disabled" });
    expect(store.message.value).toBe(fieldsHeadline);
    store.edit((d) => void (d.llm.model = "echo-2"));
    expect(store.fields.value).toEqual({});
    expect(store.message.value).toBeNull();
  });

  it("reports a 412 as a conflict, keeps the draft, and reloads with or without the changes", async () => {
    let serverVersion = 3;
    const { store, fetch, agent } = setup((req, a) => {
      if (req.method === "PATCH") {
        if (req.headers["if-match"] !== `"${serverVersion}"`) return problem("precondition_failed", 412, "the agent is at version 5, not 3: reload it");
        return json({ ...a, ...body(req), systemPrompt: "Theirs", version: serverVersion + 1, warnings: [] });
      }
      if (req.method === "GET") return json({ ...a, systemPrompt: "Theirs", version: serverVersion });
      return undefined;
    });
    await store.load();
    serverVersion = 5; // someone else saved twice meanwhile
    store.edit((d) => void (d.name = "Mine"));
    expect(await store.save()).toBe(false);
    expect(store.conflict.value).toMatch(/changed this agent/);
    expect(store.draft.value?.name).toBe("Mine");
    expect(store.dirty.value).toBe(true);

    await store.reload({ keepChanges: true });
    expect(store.conflict.value).toBeNull();
    expect(store.agent.value?.version).toBe(5);
    expect(store.draft.value?.systemPrompt).toBe("Theirs");
    expect(store.patch.value).toEqual({ name: "Mine" });
    expect(await store.save()).toBe(true);
    const patches = fetch.requests.filter((r) => r.method === "PATCH");
    expect(patches.map((r) => r.headers["if-match"])).toEqual(['"3"', '"5"']);
    expect(body(patches[1])).toEqual({ name: "Mine" });
    expect(store.agent.value?.id).toBe(agent.id);

    store.edit((d) => void (d.name = "Discarded"));
    await store.reload();
    expect(store.dirty.value).toBe(false);
  });

  it("publishes the saved draft with If-Match, refuses with unsaved changes, and rolls back", async () => {
    const versionId = newId("agentVersion");
    const { store, fetch } = setup((req, a) => {
      if (req.url.endsWith("/publish")) return json({ ...a, version: 4, published: true, publishedVersion: 1 });
      if (req.url.endsWith("/unpublish")) return json({ ...a, version: 5, published: false, publishedVersion: null });
      if (req.url.endsWith("/versions")) return json({ data: [{ id: versionId, agentId: a.id, version: 1, createdAt: at, createdBy: null, note: "first" }] });
      if (req.url.endsWith("/versions/1/rollback")) return json({ ...a, version: 6, published: true, publishedVersion: 2 });
      return undefined;
    });
    await store.load();
    store.edit((d) => void (d.name = "Unsaved"));
    expect(await store.publish()).toBe(false);
    expect(store.message.value).toBe("Save your changes before publishing.");
    store.discard();
    expect(await store.publish(" launch ")).toBe(true);
    const pub = fetch.requests.find((r) => r.url.endsWith("/publish"));
    expect(pub?.headers["if-match"]).toBe('"3"');
    expect(body(pub)).toEqual({ note: "launch" });
    expect(store.agent.value?.publishedVersion).toBe(1);
    expect(store.versions.value?.map((v) => v.version)).toEqual([1]);
    expect(await store.unpublish()).toBe(true);
    expect(store.agent.value?.published).toBe(false);
    expect(store.dirty.value).toBe(false);
    expect(await store.rollback(1)).toBe(true);
    expect(store.agent.value?.publishedVersion).toBe(2);
  });

  it("caches version snapshots and loads the embed code", async () => {
    const { store, fetch } = setup((req, a) => {
      if (req.url.endsWith("/versions/2")) {
        return json({ id: newId("agentVersion"), agentId: a.id, version: 2, createdAt: at, createdBy: null, note: null, snapshot: { agent: configOf(a), tools: [] } });
      }
      if (req.url.endsWith("/embed")) return json({ html: "<speaknode-agent></speaknode-agent>", loaderUrl: "https://x.test/l.js", publicLinkUrl: "https://x.test/a/1", published: false });
      return undefined;
    });
    await store.load();
    const v = await store.loadVersion(2);
    await store.loadVersion(2);
    expect(v.snapshot.agent.systemPrompt).toContain("{{customer_name}}");
    expect(fetch.requests.filter((r) => r.url.endsWith("/versions/2")).length).toBe(1);
    expect((await store.loadEmbed()).html).toContain("speaknode-agent");
  });
});

describe("prompt variables", () => {
  const schema: VariablesSchema = { type: "object", properties: { customer_name: { type: "string" }, order_id: { type: "string" }, orders: { type: "integer" } }, required: [] };

  it("splits used placeholders into declared, unknown and malformed", () => {
    expect(promptVariables("Hi {{customer_name}}, {{ order_id }}, {{ghost}}, {{customer_name}} and {{ bad-name }}", schema)).toEqual({
      declared: ["customer_name", "order_id"],
      unknown: ["ghost"],
      malformed: ["{{ bad-name }}"],
    });
  });

  it("offers declared names after {{ and completes them", () => {
    const names = Object.keys(schema.properties);
    const text = "Order {{ord";
    const c = completionAt(text, text.length, names);
    expect(c).toEqual({ start: 8, prefix: "ord", options: ["order_id", "orders"] });
    if (!c) throw new Error("no completion");
    expect(applyCompletion(text, text.length, c, "order_id")).toEqual({ text: "Order {{order_id}}", cursor: 18 });
    // Inside an existing placeholder the rest of the name and its braces are replaced.
    const inside = "A {{cu}} b";
    const c2 = completionAt(inside, 5, names);
    expect(c2?.options).toEqual(["customer_name"]);
    if (c2) expect(applyCompletion(inside, 5, c2, "customer_name")).toEqual({ text: "A {{customer_name}} b", cursor: 19 });
    expect(completionAt("{{", 2, names)?.options).toEqual(names);
    expect(completionAt("no braces", 9, names)).toBeNull();
    expect(completionAt("{{x", 3, names)).toBeNull();
    expect(completionAt("{{orders}}", 8, names)).toBeNull();
  });
});

describe("lineDiff", () => {
  it("marks removed and added lines between a version and the draft", () => {
    expect(lineDiff("a\nb\nc\nd", "a\nc\nx\nd")).toEqual([
      { op: "same", text: "a" },
      { op: "del", text: "b" },
      { op: "same", text: "c" },
      { op: "add", text: "x" },
      { op: "same", text: "d" },
    ]);
    expect(lineDiff("same", "same")).toEqual([{ op: "same", text: "same" }]);
    expect(lineDiff("", "new")).toEqual([
      { op: "del", text: "" },
      { op: "add", text: "new" },
    ]);
  });

  it("stays linear-ish for long prompts with a small change", () => {
    const long = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const changed = [...long];
    changed[2500] = "edited";
    const diff = lineDiff(long.join("\n"), changed.join("\n"));
    expect(diff.filter((l) => l.op !== "same")).toEqual([
      { op: "del", text: "line 2500" },
      { op: "add", text: "edited" },
    ]);
  });
});

describe("variables editing helpers", () => {
  it("parses defaults by type and renames keeping order", () => {
    expect(parseDefault("string", "")).toBeUndefined();
    expect(parseDefault("integer", "42")).toBe(42);
    expect(parseDefault("number", "4.5")).toBe(4.5);
    expect(parseDefault("number", "abc")).toBe("abc");
    expect(parseDefault("boolean", "true")).toBe(true);
    expect(renameKey({ a: 1, b: 2, c: 3 }, "b", "z")).toEqual({ a: 1, z: 2, c: 3 });
    expect(Object.keys(renameKey({ a: 1, b: 2, c: 3 }, "b", "z"))).toEqual(["a", "z", "c"]);
    expect(newVariableName({ variable_1: 1 })).toBe("variable_2");
  });

  it("reports a default that does not fit the type under the variable's field", () => {
    const draft = configOf(agentFixture());
    draft.variables.properties["orders"] = { type: "integer", default: "abc" };
    const f = validateDraft(draft, { variables: draft.variables });
    expect(f["variables.properties.orders.default"]).toBe("default must be a integer");
  });
});

describe("editor route and leave guard", () => {
  it("maps the editor path", () => {
    expect(matchRoute("/app/spaces/spc_1/agents/agt_2", "")).toEqual({ name: "agentEditor", spaceId: "spc_1", agentId: "agt_2" });
    expect(matchRoute(agentPath("spc_x", "agt_y"), "")).toEqual({ name: "agentEditor", spaceId: "spc_x", agentId: "agt_y" });
  });

  it("asks the guard before leaving and puts the page back on a vetoed back/forward", () => {
    let onPop = () => {};
    const stack: string[] = ["/app/spaces/s/agents/a"];
    const win: HistoryLike = {
      location: { pathname: "/app/spaces/s/agents/a", search: "" },
      history: {
        pushState: (_d, _u, url) => void (stack.push(url), (win.location.pathname = url)),
        replaceState: (_d, _u, url) => void ((stack[stack.length - 1] = url), (win.location.pathname = url)),
      },
      addEventListener: (_t, fn) => void (onPop = fn),
    };
    const router = createRouter(win);
    let allow = false;
    let asked = 0;
    const release = router.guardLeave(() => (asked++, allow));
    router.navigate("/app/spaces/s/members");
    expect(router.route.value.name).toBe("agentEditor");
    expect(stack).toEqual(["/app/spaces/s/agents/a"]);
    // Back button: the browser already changed the URL; a veto pushes the editor's URL again.
    win.location.pathname = "/app/spaces/s/agents";
    onPop();
    expect(router.route.value.name).toBe("agentEditor");
    expect(win.location.pathname).toBe("/app/spaces/s/agents/a");
    expect(asked).toBe(2);
    allow = true;
    router.navigate("/app/spaces/s/members");
    expect(router.route.value.name).toBe("members");
    release();
    allow = false;
    router.navigate("/app/spaces/s/agents");
    expect(router.route.value.name).toBe("agents");
    expect(asked).toBe(3);
  });
});
