// The tools stores without a DOM, against a fake API: the list, the editor's create and update
// (changed fields only, the version check, conflicts and reload), field errors from the schemas
// before sending and from the API after, delete refused while agents use the tool, the body
// encoding, secret query parameters and imported parameter styles (the OpenAPI import: tool-import.test.ts).
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { Tool } from "../../../packages/contracts/src/tools.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, noContent, problem, type Recorded } from "../test-support.ts";
import { emptyRow } from "./schema-table.ts";
import { createToolEditorStore, newToolId } from "./tool-editor.ts";
import { emptyForm, formOf, patchOf, validateForm } from "./tool-form.ts";
import { applyToolsEvent, createToolsStore, inUseBy } from "./tools.ts";

const at = "2026-11-01T10:00:00.000Z";
const spaceId = ids.space();
const agentId = ids.agent();

function toolFixture(overrides: Partial<Tool> = {}): Tool {
  return {
    id: newId("tool"),
    spaceId,
    kind: "webhook",
    code: "get_weather",
    description: "Weather for a city",
    method: "GET",
    url: "https://api.example.com/weather/{city}",
    headersSchema: null,
    bodySchema: { type: "object", properties: { city: { type: "string", description: "City" } }, required: ["city"] },
    headers: { Accept: "application/json" },
    secretHeaderNames: ["X-Api-Key"],
    secretOrigin: "https://api.example.com",
    secretQueryParamNames: [],
    bodyEncoding: "json",
    parameterStyles: {},
    timeoutMs: 10_000,
    preToolSpeech: null,
    progressSpeech: null,
    transferRules: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const body = (req: Recorded | undefined): Record<string, unknown> => JSON.parse(req?.body ?? "{}") as Record<string, unknown>;

/** A fake of the tools API over an in-memory map; `usedBy` makes DELETE a 409. */
function fakeApi(initial: Tool[] = [], opts: { usedBy?: string[]; handle?: (req: Recorded) => Response | undefined } = {}) {
  const rows = new Map(initial.map((t) => [t.id, t]));
  const fetch = fakeFetch(async (req) => {
    const custom = opts.handle?.(req);
    if (custom) return custom;
    const one = /^\/v1\/tools\/([^/]+)$/.exec(req.url)?.[1];
    if (req.url === `/v1/spaces/${spaceId}/tools` && req.method === "GET") return json({ data: [...rows.values()] });
    if (req.url === `/v1/spaces/${spaceId}/tools` && req.method === "POST") {
      const { secretHeaders, secretQueryParams, ...rest } = body(req) as { secretHeaders: Record<string, string>; secretQueryParams?: Record<string, string> };
      const tool = toolFixture({
        headersSchema: null,
        bodySchema: null,
        preToolSpeech: null,
        progressSpeech: null,
        transferRules: [],
        headers: {},
        timeoutMs: 10_000,
        ...(rest as Partial<Tool>),
        id: newId("tool"),
        secretHeaderNames: Object.keys(secretHeaders),
        secretQueryParamNames: Object.keys(secretQueryParams ?? {}),
      });
      rows.set(tool.id, tool);
      return json({ ...tool, secretHeadersCleared: false, warnings: [] }, 201);
    }
    const row = one ? rows.get(one) : undefined;
    if (!row) return problem("not_found", 404, "no such tool");
    if (req.method === "GET") return json(row);
    if (req.method === "PATCH") {
      // as the API does: a stale If-Match is refused
      if (req.headers["if-match"] && req.headers["if-match"] !== `"${row.version}"`) return problem("precondition_failed", 412, `the tool is at version ${row.version}: reload it`);
      const { secretHeaders, secretQueryParams, ...rest } = body(req) as { secretHeaders?: Record<string, string>; secretQueryParams?: Record<string, string> };
      const next = {
        ...row,
        ...(rest as Partial<Tool>),
        ...(secretHeaders ? { secretHeaderNames: Object.keys(secretHeaders) } : {}),
        ...(secretQueryParams ? { secretQueryParamNames: Object.keys(secretQueryParams) } : {}),
        version: row.version + 1,
      };
      // as the API does: secrets kept across a move to another origin are cleared, and it says so
      const moved = !secretHeaders && row.secretHeaderNames.length > 0 && new URL(next.url.replace(/\{[^}]*\}/g, "x")).origin !== row.secretOrigin;
      if (moved) Object.assign(next, { secretHeaderNames: [], secretOrigin: null });
      rows.set(row.id, next);
      return json({ ...next, secretHeadersCleared: moved, warnings: moved ? ["the secret headers were deleted rather than sent there"] : [] });
    }
    if (req.method === "DELETE") {
      if (opts.usedBy?.length) return problem("conflict", 409, `agents still use this tool: ${opts.usedBy.join(", ")}; detach it first`);
      rows.delete(row.id);
      return noContent();
    }
    return json({ error: "unexpected" }, 599);
  });
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  return { fetch, api, rows, tools: createToolsStore(api) };
}

describe("tools list store", () => {
  it("loads a space's tools and keeps saved ones sorted by code, dropping late answers for another space", async () => {
    const b = toolFixture({ code: "b_tool" });
    const { tools } = fakeApi([b]);
    await tools.load(spaceId);
    expect(tools.tools.value.map((t) => t.code)).toEqual(["b_tool"]);
    applyToolsEvent(tools, { type: "saved", tool: toolFixture({ code: "a_tool" }) });
    applyToolsEvent(tools, { type: "saved", tool: toolFixture({ code: "other", spaceId: ids.space() }) });
    expect(tools.tools.value.map((t) => t.code)).toEqual(["a_tool", "b_tool"]);
    applyToolsEvent(tools, { type: "loading", spaceId: "spc_other" });
    applyToolsEvent(tools, { type: "loaded", spaceId, tools: [b] });
    expect(tools.tools.value).toEqual([]);
  });

  it("deletes a tool, and names the agents when the API refuses because they use it", async () => {
    const t = toolFixture();
    const other = ids.agent();
    const { tools } = fakeApi([t], { usedBy: [agentId, other] });
    await tools.load(spaceId);
    const err = await tools.remove(t.id).catch((e: unknown) => e);
    expect(inUseBy(err)).toEqual([agentId, other]);
    expect(tools.tools.value).toHaveLength(1);
    expect(inUseBy(new Error("agt_x"))).toBeNull();

    const ok = fakeApi([t]);
    await ok.tools.load(spaceId);
    await ok.tools.remove(t.id);
    expect(ok.tools.tools.value).toEqual([]);
  });
});

describe("tool editor store", () => {
  it("creates a tool from the form with its secret headers and schema table", async () => {
    const { tools, fetch } = fakeApi();
    const store = createToolEditorStore({ tools, spaceId, toolId: newToolId });
    await store.load();
    expect(store.isNew).toBe(true);
    store.edit((f) => {
      f.code = "lookup_order";
      f.description = "Find an order";
      f.method = "GET";
      f.url = "https://shop.example/orders/{order_id}?lang={{language}}";
      f.secrets.rows = [{ name: "X-Api-Key", value: "s3cret" }];
      f.bodySchema.table.rows = [{ ...emptyRow(), name: "order_id", required: true }];
      f.preToolSpeech = "One moment.";
    });
    expect(store.dirty.value).toBe(true);
    const saved = await store.save();
    expect(saved?.code).toBe("lookup_order");
    const post = fetch.requests.find((r) => r.method === "POST");
    expect(body(post)).toEqual({
      code: "lookup_order",
      description: "Find an order",
      method: "GET",
      url: "https://shop.example/orders/{order_id}?lang={{language}}",
      headers: {},
      transferRules: [],
      bodyEncoding: "json",
      timeoutMs: 10_000,
      secretHeaders: { "X-Api-Key": "s3cret" },
      secretQueryParams: {},
      bodySchema: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] },
      preToolSpeech: "One moment.",
    });
    // Secret values are not kept once saved: only their names come back.
    expect(store.tool.value?.secretHeaderNames).toEqual(["X-Api-Key"]);
    expect(store.form.value?.secrets).toEqual({ replace: false, rows: [] });
    expect(store.dirty.value).toBe(false);
  });

  it("maps the schemas' and its own checks to fields before sending, and clears them as they are fixed", async () => {
    const { tools, fetch } = fakeApi();
    const store = createToolEditorStore({ tools, spaceId, toolId: newToolId });
    await store.load();
    store.edit((f) => {
      f.code = "Bad Code";
      f.url = "https://x.test/{missing}";
      f.timeoutMs = 50;
      f.headers = [{ name: "bad name", value: "x" }, { name: "", value: "orphan" }];
      f.secrets.rows = [{ name: "Accept", value: "" }];
      f.bodySchema = { mode: "json", table: { rows: [], extra: {} }, text: "{ not json" };
      f.progress = { on: true, text: "", afterMs: Number.NaN };
      f.transferRules = [{ targetAgentId: agentId, when: "", matchResult: true, path: "status", equals: "maybe", equalsType: "boolean" }];
    });
    expect(await store.save()).toBeNull();
    expect(fetch.requests.filter((r) => r.method === "POST")).toEqual([]);
    const f = store.fields.value;
    expect(f["code"]).toMatch(/^must match/);
    expect(f["description"]).toBe("must not be empty");
    expect(f["url"]).toBe("path parameter {missing} is not a property of the body schema");
    expect(f["timeoutMs"]).toMatch(/100/);
    expect(f["headers.rows.0"]).toBe('"bad name" is not an HTTP header name');
    expect(f["headers.rows.1"]).toBe("needs a header name");
    expect(f["secretHeaders.Accept"]).toBe("must not be empty");
    expect(f["bodySchema"]).toMatch(/^is not valid JSON/);
    expect(f["progressSpeech.afterMs"]).toBe("must be a number");
    expect(f["transferRules.0.resultMatch.equals"]).toBe("must be true or false");
    expect(store.message.value).toMatch(/Fix the highlighted fields/);
    // The typed text is all still there.
    expect(store.form.value?.bodySchema.text).toBe("{ not json");
    store.edit((x) => {
      x.code = "ok_code";
      x.bodySchema.text = '{ "type": "object", "properties": { "missing": { "type": "string" } } }';
    });
    expect(store.fields.value["code"]).toBeUndefined();
    expect(store.fields.value["bodySchema"]).toBeUndefined();
    expect(store.fields.value["url"]).toBeUndefined();
  });

  it("saves only the changed fields with If-Match, and keeps edits made meanwhile", async () => {
    const t = toolFixture({ progressSpeech: { text: "Still looking", afterMs: 2000 } });
    const { tools, fetch } = fakeApi([t]);
    const store = createToolEditorStore({ tools, spaceId, toolId: t.id });
    await store.load();
    expect(store.dirty.value).toBe(false);
    store.edit((f) => {
      f.description = "Weather, today";
      f.bodySchema.table.rows[0] = { ...emptyRow(), name: "city", description: "City", required: true, enumText: "Paris, Oslo" };
    });
    const saving = store.save();
    store.edit((f) => void (f.preToolSpeech = "Typed meanwhile"));
    expect(await saving).not.toBeNull();
    const patch = fetch.requests.find((r) => r.method === "PATCH");
    expect(patch?.headers["if-match"]).toBe('"1"');
    expect(body(patch)).toEqual({ description: "Weather, today", bodySchema: { type: "object", properties: { city: { type: "string", description: "City", enum: ["Paris", "Oslo"] } }, required: ["city"] } });
    expect(store.tool.value?.version).toBe(2);
    expect(store.form.value?.preToolSpeech).toBe("Typed meanwhile");
    expect(store.dirty.value).toBe(true);
  });

  it("replaces secret headers only on request and sends removals as null", () => {
    const t = toolFixture({ preToolSpeech: "Hold on", progressSpeech: { text: "Still", afterMs: 2000 } });
    const initial = formOf(t);
    const form = structuredClone(initial);
    form.bodySchema.table.rows = [];
    form.url = "https://api.example.com/weather";
    form.preToolSpeech = "";
    form.progress.on = false;
    expect(patchOf(initial, form)).toEqual({ url: "https://api.example.com/weather", bodySchema: null, preToolSpeech: null, progressSpeech: null });
    expect(validateForm(form, { tool: t, initial })["progressSpeech"]).toBeUndefined();
    form.secrets = { replace: true, rows: [] };
    expect(patchOf(initial, form)).toMatchObject({ secretHeaders: {} });
    // A kept secret that is also a plain header is refused.
    const clash = structuredClone(initial);
    clash.headers.push({ name: "x-api-key", value: "plain" });
    expect(validateForm(clash, { tool: t, initial })["secretHeaders.X-Api-Key"]).toBe('"X-Api-Key" is also a plain header');
    expect(validateForm(emptyForm(), null)["url"]).toBe("must be an absolute http(s) URL");
  });

  it("warns before saving that a URL on another origin drops the secret headers, and shows the API's warning after", async () => {
    const t = toolFixture();
    const { tools, fetch } = fakeApi([t]);
    const store = createToolEditorStore({ tools, spaceId, toolId: t.id });
    await store.load();
    store.edit((f) => void (f.url = "https://api.example.com/v2/weather/{city}"));
    expect(store.droppedSecrets.value).toBeNull();
    store.edit((f) => void (f.url = "https://collector.example.net/weather/{city}"));
    expect(store.droppedSecrets.value).toEqual({ names: ["X-Api-Key"], from: "https://api.example.com", to: "https://collector.example.net" });
    // Typing them again keeps them, bound to the new address.
    store.edit((f) => void (f.secrets = { replace: true, rows: [{ name: "X-Api-Key", value: "k" }] }));
    expect(store.droppedSecrets.value).toBeNull();
    store.edit((f) => void (f.secrets = { replace: false, rows: [] }));
    expect(await store.save()).not.toBeNull();
    expect(body(fetch.requests.find((r) => r.method === "PATCH"))).toEqual({ url: "https://collector.example.net/weather/{city}" });
    expect(store.notice.value).toContain("deleted rather than sent there");
    expect(store.tool.value?.secretHeaderNames).toEqual([]);
    expect(store.droppedSecrets.value).toBeNull();
  });

  it("refuses a placeholder in the URL's host or port before sending", () => {
    const form = formOf(toolFixture());
    form.url = "https://{{tenant}}.example.com/weather/{city}";
    expect(validateForm(form, null)["url"]).toContain("placeholder in its host or port");
    form.url = "https://api.example.com:{{port}}/weather/{city}";
    expect(validateForm(form, null)["url"]).toContain("placeholder in its host or port");
  });

  it("reports a changed version as a conflict, keeps the form, and reloads with or without the changes", async () => {
    const t = toolFixture();
    const { tools, fetch, rows } = fakeApi([t]);
    const store = createToolEditorStore({ tools, spaceId, toolId: t.id });
    await store.load();
    rows.set(t.id, { ...t, url: "https://theirs.example/weather/{city}", version: 3 });
    store.edit((f) => void (f.description = "Mine"));
    expect(await store.save()).toBeNull();
    expect(fetch.requests.filter((r) => r.method === "PATCH").map((r) => r.headers["if-match"])).toEqual(['"1"']);
    expect(rows.get(t.id)?.description).toBe(t.description);
    expect(store.conflict.value).toMatch(/changed this tool/);
    expect(store.form.value?.description).toBe("Mine");

    await store.reload({ keepChanges: true });
    expect(store.conflict.value).toBeNull();
    expect(store.tool.value?.version).toBe(3);
    expect(store.form.value?.url).toBe("https://theirs.example/weather/{city}");
    expect(store.form.value?.description).toBe("Mine");
    expect(await store.save()).not.toBeNull();
    expect(body(fetch.requests.filter((r) => r.method === "PATCH").at(-1))).toEqual({ description: "Mine" });

    store.edit((f) => void (f.description = "Discarded"));
    await store.reload();
    expect(store.dirty.value).toBe(false);
  });

  it("shows the API's field errors on the form's fields", async () => {
    const { tools } = fakeApi([], {
      handle: (req) =>
        req.method === "POST"
          ? problem("validation_failed", 400, "the tool is not valid", [
              { field: "body.code", message: 'another tool of this space is already called "dup"' },
              { field: "body.transferRules.0.targetAgentId", message: "no such agent in this space" },
            ])
          : undefined,
    });
    const store = createToolEditorStore({ tools, spaceId, toolId: newToolId });
    await store.load();
    store.edit((f) => {
      f.code = "dup";
      f.description = "Duplicate";
      f.url = "https://x.test/a";
      f.transferRules = [{ targetAgentId: agentId, when: "the caller asks", matchResult: false, path: "", equals: "", equalsType: "string" }];
    });
    expect(await store.save()).toBeNull();
    expect(store.fields.value).toEqual({ code: 'another tool of this space is already called "dup"', "transferRules.0.targetAgentId": "no such agent in this space" });
    expect(store.message.value).toBe("the tool is not valid");
    expect(store.form.value?.code).toBe("dup");
  });

  it("deletes the tool, or names the agents that still use it", async () => {
    const t = toolFixture();
    const refused = fakeApi([t], { usedBy: [agentId] });
    const store = createToolEditorStore({ tools: refused.tools, spaceId, toolId: t.id });
    await store.load();
    expect(await store.remove()).toBe(false);
    expect(store.usedBy.value).toEqual([agentId]);
    const ok = fakeApi([t]);
    const other = createToolEditorStore({ tools: ok.tools, spaceId, toolId: t.id });
    await other.load();
    other.edit((f) => void (f.description = "unsaved"));
    expect(await other.remove()).toBe(true);
    expect(other.dirty.value).toBe(false); // nothing left to guard
    expect(ok.rows.size).toBe(0);
  });
});

describe("body encoding, secret query parameters and parameter styles in the editor", () => {
  it("creates a form-encoded tool with a secret query parameter, and checks both before sending", async () => {
    const { tools, fetch } = fakeApi();
    const store = createToolEditorStore({ tools, spaceId, toolId: newToolId });
    await store.load();
    store.edit((f) => {
      f.code = "create_call";
      f.description = "Start a call";
      f.method = "GET";
      f.url = "https://api.example.com/calls";
      f.bodyEncoding = "form";
      f.querySecrets.rows = [{ name: "api_key", value: "k1" }, { name: "bad name", value: "x" }];
      f.bodySchema.table.rows = [{ ...emptyRow(), name: "api_key" }, { ...emptyRow(), name: "To", required: true }];
    });
    expect(await store.save()).toBeNull();
    expect(store.fields.value["bodyEncoding"]).toMatch(/GET request has no body/);
    expect(store.fields.value["secretQueryParams.rows.1"]).toMatch(/not a query parameter name/);
    expect(store.fields.value["secretQueryParams.api_key"]).toBe('"api_key" is also an argument of the body schema');
    store.edit((f) => {
      f.method = "POST";
      f.querySecrets.rows = [{ name: "api_key", value: "k1" }];
      f.bodySchema.table.rows = [{ ...emptyRow(), name: "To", required: true }];
    });
    expect(store.fields.value).toEqual({});
    const saved = await store.save();
    expect(saved?.secretQueryParamNames).toEqual(["api_key"]);
    expect(body(fetch.requests.find((r) => r.method === "POST"))).toMatchObject({ bodyEncoding: "form", secretQueryParams: { api_key: "k1" }, secretHeaders: {} });
    // Write-only: the value is not kept, and the form does not replace the saved set unless asked.
    expect(store.form.value?.querySecrets).toEqual({ replace: false, rows: [] });
    store.edit((f) => void (f.bodyEncoding = "json"));
    expect(patchOf(store.initial.value ?? emptyForm(), store.form.value ?? emptyForm())).toEqual({ bodyEncoding: "json" });
  });

  it("replaces the secret query parameters as a set, and warns that a move to another origin drops them with the headers", async () => {
    const t = toolFixture({ secretQueryParamNames: ["api_key"] });
    const { tools, fetch } = fakeApi([t]);
    const store = createToolEditorStore({ tools, spaceId, toolId: t.id });
    await store.load();
    store.edit((f) => void (f.url = "https://other.example.net/weather/{city}"));
    expect(store.droppedSecrets.value).toEqual({ names: ["X-Api-Key", "?api_key"], from: "https://api.example.com", to: "https://other.example.net" });
    store.edit((f) => void (f.secrets = { replace: true, rows: [{ name: "X-Api-Key", value: "k" }] }));
    expect(store.droppedSecrets.value?.names).toEqual(["?api_key"]);
    store.edit((f) => void (f.querySecrets = { replace: true, rows: [{ name: "key", value: "q" }] }));
    expect(store.droppedSecrets.value).toBeNull();
    await store.save();
    expect(body(fetch.requests.find((r) => r.method === "PATCH"))).toEqual({ url: "https://other.example.net/weather/{city}", secretHeaders: { "X-Api-Key": "k" }, secretQueryParams: { key: "q" } });
    expect(store.tool.value?.secretQueryParamNames).toEqual(["key"]);
  });

  it("keeps an imported argument's style while the argument stays, and drops it with the argument", () => {
    const t = toolFixture({
      method: "POST",
      bodyEncoding: "form",
      bodySchema: { type: "object", properties: { city: { type: "string" }, StatusCallbackEvent: { type: "array", items: { type: "string" } } } },
      parameterStyles: { StatusCallbackEvent: { style: "form", explode: true, allowReserved: false }, city: { style: "label", explode: false, allowReserved: false } },
    });
    const initial = formOf(t);
    expect(initial.bodyEncoding).toBe("form");
    const form = structuredClone(initial);
    form.description = "changed";
    expect(patchOf(initial, form)).toEqual({ description: "changed" });
    // Imported schemas often open as JSON text (arrays of enums do not fit the table).
    form.bodySchema = { mode: "json", table: { rows: [], extra: {} }, text: '{ "type": "object", "properties": { "city": { "type": "string" } } }' };
    expect(patchOf(initial, form)).toMatchObject({ parameterStyles: { city: { style: "label", explode: false, allowReserved: false } } });
    form.bodySchema = { mode: "table", table: { rows: [], extra: {} }, text: "" };
    expect(patchOf(initial, form)).toMatchObject({ bodySchema: null, parameterStyles: {} });
  });
});
