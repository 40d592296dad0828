// The OpenAPI import panel's store without a DOM, against a fake of the import route that answers
// as the contract says (the index of every operation, drafts for `operations` or the
// search/offset/limit window): searching and paging over a 250-operation index without requests,
// a selection that survives both, drafts asked for only when missing, "select all matching" capped
// at 200, the credentials the selected operations need and how they are sent on confirm.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { ImportCredential, ImportOperationSummary, Tool } from "../../../packages/contracts/src/tools.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, problem, type Recorded } from "../test-support.ts";
import { createToolImportStore, documentRequest, emptyInput, maxDocumentBytes, missingCredentials, pageSize, secretParts, type ImportInput } from "./tool-import.ts";
import { createToolsStore, type PreviewItem } from "./tools.ts";

const spaceId = ids.space();
const body = (req: Recorded | undefined): Record<string, unknown> => JSON.parse(req?.body ?? "{}") as Record<string, unknown>;
const basic: ImportCredential = { scheme: "accountSid_authToken", kind: "basic", name: "Authorization" };
const apiKey: ImportCredential = { scheme: "key", kind: "query", name: "api_key" };

/** `n` operations: every third is a call (tag "Calls"), every fifth form-encoded, `broken_7` cannot be imported. */
function operations(n: number): ImportOperationSummary[] {
  return Array.from({ length: n }, (_, i) => ({
    code: i === 7 ? "broken_7" : `op_${i}`,
    method: i % 2 ? "post" : "get",
    path: `/v1/${i % 3 === 0 ? "calls" : "messages"}/${i}`,
    summary: `Operation number ${i}`,
    tags: [i % 3 === 0 ? "Calls" : "Messages"],
    deprecated: false,
  }));
}

function draft(op: ImportOperationSummary): PreviewItem {
  const n = Number(op.path.split("/").at(-1));
  return {
    draft: { code: op.code, method: op.method.toUpperCase(), url: `https://api.example.com${op.path}`, description: op.summary, ...(n % 5 === 0 ? { bodyEncoding: "form" } : {}) },
    errors: op.code === "broken_7" ? [{ field: "draft.url", message: "must be an absolute http(s) URL" }] : [],
    needsBaseUrl: false,
    securityHints: [],
    credentials: n === 4 ? [apiKey] : [basic],
    source: { path: op.path, method: op.method },
  };
}

/** A fake import route over `ops`; `confirm` answers a confirm. */
function fakeImport(ops: ImportOperationSummary[], confirm: (b: Record<string, unknown>) => Response = () => json({ confirmed: true, tools: [], created: [], warnings: [] }, 201)) {
  const fetch = fakeFetch(async (req) => {
    const b = body(req);
    if (b["confirm"]) return confirm(b);
    const wanted = b["operations"] as string[] | undefined;
    const q = String(b["search"] ?? "").toLowerCase();
    const matched = ops.filter((o) => !q || o.code.includes(q) || o.path.includes(q));
    const offset = Number(b["offset"] ?? 0);
    const limit = Number(b["limit"] ?? 50);
    const shown = wanted ? ops.filter((o) => wanted.includes(o.code)) : matched.slice(offset, offset + limit);
    const tools = shown.map(draft);
    return json({ confirmed: false, tools, created: [], warnings: ["cookie parameters are ignored"], operations: ops, total: ops.length, matched: matched.length, offset, limit, credentials: [] });
  });
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  const tools = createToolsStore(api);
  tools.spaceId.value = spaceId;
  return { fetch, tools };
}

const withDoc = (over: Partial<ImportInput> = {}): ImportInput => ({ ...emptyInput(), file: { name: "api.json", text: '{"openapi":"3.0.1"}' }, ...over });
const previews = (fetch: { requests: Recorded[] }) => fetch.requests.map(body).filter((b) => !b["confirm"]);

describe("the import's document and credentials", () => {
  it("checks the document before sending: a file up to 10 MB, an http(s) URL, a base URL", () => {
    expect(documentRequest(withDoc()).request).toEqual({ source: { type: "document", document: '{"openapi":"3.0.1"}' } });
    expect(documentRequest(emptyInput()).errors).toEqual({ document: "choose an OpenAPI file" });
    expect(documentRequest(withDoc({ file: { name: "big.json", text: "x".repeat(maxDocumentBytes + 1) } })).errors).toEqual({ document: "is larger than 10 MB" });
    expect(documentRequest(withDoc({ file: { name: "ok.json", text: "x".repeat(4 * 1024 * 1024) } })).request).toBeDefined();
    expect(documentRequest({ ...emptyInput(), source: "url", url: "ftp://x" }).errors).toEqual({ url: "must be an http(s) URL" });
    expect(documentRequest({ ...emptyInput(), source: "url", url: " https://api.example.com/openapi.json ", baseUrl: "https://api.example.com/v2" }).request).toEqual({
      source: { type: "url", url: "https://api.example.com/openapi.json" },
      baseUrl: "https://api.example.com/v2",
    });
  });

  it("sends basic auth as basicAuth, a bearer token as the Authorization header, API keys as secret headers or query parameters", () => {
    const needed: ImportCredential[] = [basic, { scheme: "token", kind: "bearer", name: "Authorization" }, { scheme: "k", kind: "header", name: "X-Api-Key" }, apiKey];
    const input = withDoc({ credentials: { username: "AC123", password: "tok", bearer: "", headers: { "X-Api-Key": "hk" }, query: { api_key: "qk" } }, secrets: [{ name: "X-Extra", value: "e" }] });
    expect(secretParts(input, needed)).toEqual({ parts: { basicAuth: { username: "AC123", password: "tok" }, secretHeaders: { "X-Api-Key": "hk", "X-Extra": "e" }, secretQueryParams: { api_key: "qk" } }, errors: {} });
    expect(missingCredentials(input, needed)).toEqual([]);
    const bearer = withDoc({ credentials: { username: "", password: "", bearer: " abc ", headers: {}, query: {} } });
    expect(secretParts(bearer, needed).parts).toEqual({ secretHeaders: { Authorization: "Bearer abc" }, secretQueryParams: {} });
    // Basic and bearer are alternatives: one filled is enough; the key left empty is named.
    expect(missingCredentials(bearer, needed).map((c) => c.name)).toEqual(["X-Api-Key", "api_key"]);
    const both = withDoc({ credentials: { username: "u", password: "p", bearer: "t", headers: {}, query: {} }, secrets: [{ name: "authorization", value: "x" }] });
    expect(secretParts(both, needed).errors).toEqual({ "credentials.bearer": expect.stringMatching(/either/), "secretHeaders.rows.0": '"authorization" is given twice' });
    expect(secretParts(withDoc({ credentials: { username: "u", password: "", bearer: "", headers: {}, query: {} } }), needed).errors).toEqual({ "credentials.basic": "needs the password too" });
  });
});

describe("the import's operation index", () => {
  it("reads the index once, then searches and pages over it without requests, the selection surviving both", async () => {
    const { tools, fetch } = fakeImport(operations(60));
    const store = createToolImportStore({ tools, spaceId });
    store.edit((i) => Object.assign(i, withDoc()));
    expect(await store.read()).toBe(true);
    expect(previews(fetch)).toEqual([{ source: { type: "document", document: '{"openapi":"3.0.1"}' }, confirm: false, secretHeaders: {}, limit: pageSize }]);
    expect(store.index.value?.operations).toHaveLength(60);
    expect(store.pageCount.value).toBe(3);
    expect(store.visible.value.map((o) => o.code).slice(0, 3)).toEqual(["op_0", "op_1", "op_2"]);
    store.toggle("op_3", true);
    store.setPage(2);
    expect(store.visible.value.map((o) => o.code)).toEqual(Array.from({ length: 10 }, (_, i) => `op_${50 + i}`));
    store.toggle("op_51", true);
    store.setSearch("calls");
    expect(store.page.value).toBe(0);
    expect(store.matching.value).toHaveLength(20);
    expect(store.matching.value.every((o) => o.path.includes("calls"))).toBe(true);
    store.setSearch("NUMBER 4"); // summaries, case-insensitive
    expect(store.matching.value.map((o) => o.code)).toEqual(["op_4", "op_40", "op_41", "op_42", "op_43", "op_44", "op_45", "op_46", "op_47", "op_48", "op_49"]);
    store.setSearch("");
    expect(store.selected.value).toEqual(["op_3", "op_51"]);
    expect(fetch.requests).toHaveLength(1);
  });

  it("asks for the drafts of the page on screen and the selection only when missing", async () => {
    const { tools, fetch } = fakeImport(operations(60));
    const store = createToolImportStore({ tools, spaceId });
    store.edit((i) => Object.assign(i, withDoc()));
    await store.read();
    await store.loadDetails();
    expect(fetch.requests).toHaveLength(1); // page 1 came with the index
    store.setPage(1);
    store.toggle("op_55", true);
    await store.loadDetails();
    expect(previews(fetch)[1]?.["operations"]).toEqual([...Array.from({ length: 25 }, (_, i) => `op_${25 + i}`), "op_55"]);
    store.setPage(0);
    await store.loadDetails();
    expect(fetch.requests).toHaveLength(2);
    expect(store.details.value["op_55"]?.draft["code"]).toBe("op_55");
    expect(store.errorsOf("broken_7")).toEqual(["url: must be an absolute http(s) URL"]);
  });

  it("selects all matching operations up to 200, skipping those known to be refused", async () => {
    const { tools } = fakeImport(operations(250));
    const store = createToolImportStore({ tools, spaceId });
    store.edit((i) => Object.assign(i, withDoc()));
    await store.read();
    store.setSearch("calls");
    expect(store.selectAllMatching()).toEqual({ added: 84, left: 0 });
    store.setSearch("");
    expect(store.selectAllMatching()).toEqual({ added: 116, left: 49 });
    expect(store.selected.value).toHaveLength(200);
    expect(store.selected.value).not.toContain("broken_7");
    expect(store.message.value).toMatch(/at most 200/);
    store.toggle("op_249", true);
    expect(store.selected.value).toHaveLength(200);
    store.clearSelection();
    expect(store.selected.value).toEqual([]);
  });
});

describe("creating from the import", () => {
  const createdTool = (code: string): Tool => ({
    id: newId("tool"),
    spaceId,
    kind: "webhook",
    code,
    description: code,
    method: "POST",
    url: "https://api.example.com/v1/calls/3",
    headersSchema: null,
    bodySchema: null,
    headers: {},
    secretHeaderNames: ["Authorization"],
    secretOrigin: "https://api.example.com",
    secretQueryParamNames: [],
    bodyEncoding: "form",
    parameterStyles: {},
    timeoutMs: 10_000,
    preToolSpeech: null,
    progressSpeech: null,
    transferRules: [],
    version: 1,
    createdAt: "2026-11-01T10:00:00.000Z",
    updatedAt: "2026-11-01T10:00:00.000Z",
  });

  it("asks for the credentials the selected operations need and sends them once with the selected codes", async () => {
    const { tools, fetch } = fakeImport(operations(30), (b) => json({ confirmed: true, tools: [], created: (b["operations"] as string[]).map(createdTool), warnings: [] }, 201));
    const store = createToolImportStore({ tools, spaceId });
    store.edit((i) => Object.assign(i, withDoc()));
    await store.read();
    expect(store.credentials.value).toEqual([basic, apiKey]); // of every draft seen, nothing selected yet
    store.toggle("op_3", true);
    store.toggle("op_6", true);
    expect(store.credentials.value).toEqual([basic]);
    expect(store.missing.value).toEqual([basic]);
    store.edit((i) => void ((i.credentials.username = "AC123"), (i.credentials.password = "auth-token")));
    expect(store.missing.value).toEqual([]);
    const created = await store.confirm();
    expect(created?.map((t) => t.code)).toEqual(["op_3", "op_6"]);
    const sent = fetch.requests.map(body).find((b) => b["confirm"]);
    expect(sent).toEqual({
      source: { type: "document", document: '{"openapi":"3.0.1"}' },
      confirm: true,
      secretHeaders: {},
      secretQueryParams: {},
      basicAuth: { username: "AC123", password: "auth-token" },
      operations: ["op_3", "op_6"],
    });
    // The page forgets the secrets once sent; the created tools are listed.
    expect(store.input.value.credentials).toEqual({ username: "", password: "", bearer: "", headers: {}, query: {} });
    expect(store.created.value.map((t) => t.bodyEncoding)).toEqual(["form", "form"]);
    expect(tools.tools.value.map((t) => t.code)).toEqual(["op_3", "op_6"]);
  });

  it("creates nothing from a changed document, an empty selection or an operation that cannot be imported", async () => {
    const { tools, fetch } = fakeImport(operations(30));
    const store = createToolImportStore({ tools, spaceId });
    store.edit((i) => Object.assign(i, withDoc()));
    await store.read();
    expect(await store.confirm()).toBeNull();
    expect(store.message.value).toBe("Select at least one operation.");
    store.toggle("broken_7", true);
    expect(await store.confirm()).toBeNull();
    expect(store.message.value).toMatch(/cannot be imported: broken_7/);
    store.toggle("broken_7", false);
    store.toggle("op_2", true);
    store.edit((i) => void (i.baseUrl = "https://staging.example.com"));
    expect(store.stale.value).toBe(true);
    expect(await store.confirm()).toBeNull();
    expect(fetch.requests.map(body).some((b) => b["confirm"])).toBe(false);
    // Read again with the base URL: the same document keeps its selection.
    await store.read();
    expect(store.selected.value).toEqual(["op_2"]);
    expect(previews(fetch).at(-1)?.["baseUrl"]).toBe("https://staging.example.com");
  });

  it("shows a refused confirm's errors on the credentials and operations they name", async () => {
    const { tools } = fakeImport(operations(10), () =>
      problem("validation_failed", 400, "some selected tools are not valid; nothing was created", [
        { field: "body.basicAuth", message: "may not be given with an Authorization secret header" },
        { field: "tools.op_2.code", message: 'another tool of this space is already called "op_2"' },
      ]),
    );
    const store = createToolImportStore({ tools, spaceId });
    store.edit((i) => Object.assign(i, withDoc()));
    await store.read();
    store.toggle("op_2", true);
    expect(await store.confirm()).toBeNull();
    expect(store.fields.value["credentials.basic"]).toMatch(/Authorization/);
    expect(store.errorsOf("op_2")).toEqual(['code: another tool of this space is already called "op_2"']);
    expect(store.selected.value).toEqual(["op_2"]);
  });
});
