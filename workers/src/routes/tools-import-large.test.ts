// The import of real, large documents: Twilio's core API (2.1 MB, 197 operations, HTTP basic,
// form-encoded writes) previewed as an index with a searchable page of drafts and created with
// basic credentials; the 200-tool cap per confirm; the 24 MiB body limit of this route.
import { describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { tools } from "@speaknode/db";
import { call, expectProblem, makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { decryptJson } from "../lib/secrets.ts";
import { stripeLikeDocument } from "../tools/fixtures/stripe-like.ts";
import { twilioDocumentText } from "./testing-openapi.ts";

const path = (w: { spaceId: string }) => `/v1/spaces/${w.spaceId}/tools/import`;
type Summary = { code: string; method: string; path: string; summary: string; tags: string[] };
type Item = { draft: Record<string, unknown>; errors: unknown[]; credentials: { kind: string }[] };

async function preview(w: World, extra: Record<string, unknown> = {}) {
  const res = await call("POST", path(w), { token: w.member.token, json: { source: { type: "document", document: await twilioDocumentText() }, ...extra } });
  expect(res.status).toBe(200);
  return { body: res.body, operations: res.body["operations"] as Summary[], items: res.body["tools"] as Item[] };
}

/** A document with `n` trivial GET operations. */
function manyOperations(n: number): Record<string, unknown> {
  const paths = Object.fromEntries(Array.from({ length: n }, (_, i) => [`/things/${i}`, { get: { operationId: `getThing${i}`, responses: { 200: { description: "ok" } } } }]));
  return { openapi: "3.0.3", info: { title: "Many", version: "1" }, servers: [{ url: "https://api.many.example" }], paths };
}

describe("importing Twilio's core API document", () => {
  it("previews the index of all 197 operations with the first page of 50 drafts and says basic credentials are needed", async () => {
    const w = await makeWorld();
    const { body, operations, items } = await preview(w);
    expect(body).toMatchObject({ confirmed: false, total: 197, matched: 197, offset: 0, limit: 50, created: [] });
    expect(operations).toHaveLength(197);
    expect(operations).toContainEqual(expect.objectContaining({ code: "create_call", method: "POST", path: "/2010-04-01/Accounts/{AccountSid}/Calls.json" }));
    expect(items.map((i) => i.draft["code"])).toEqual(operations.slice(0, 50).map((o) => o.code));
    expect(body["credentials"]).toEqual([expect.objectContaining({ scheme: "accountSid_authToken", kind: "basic", name: "Authorization" })]);
    const list = await call("GET", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token });
    expect(list.body.data).toHaveLength(1);
  });

  it("searches code, path, summary and tags case-insensitively and pages through the matches", async () => {
    const w = await makeWorld();
    const all = await preview(w, { search: "CALLS" });
    const expected = all.operations.filter((o) => [o.code, o.path, o.summary, ...o.tags].some((s) => s.toLowerCase().includes("calls")));
    expect(all.body).toMatchObject({ matched: expected.length, total: 197 });
    expect(expected.length).toBeGreaterThan(10);
    const second = await preview(w, { search: "calls", offset: 5, limit: 5 });
    expect(second.items.map((i) => i.draft["code"])).toEqual(expected.slice(5, 10).map((o) => o.code));
    expect(second.body).toMatchObject({ offset: 5, limit: 5, matched: expected.length });
    const none = await preview(w, { search: "no such thing anywhere" });
    expect(none.body).toMatchObject({ matched: 0, total: 197 });
    expect(none.items).toEqual([]);
  });

  it("previews exactly the operations named, with CreateCall as a form-encoded draft", async () => {
    const w = await makeWorld();
    const { body, items } = await preview(w, { operations: ["fetch_call", "create_call"] });
    expect(items.map((i) => i.draft["code"])).toEqual(["create_call", "fetch_call"]);
    expect(body).toMatchObject({ matched: 2, total: 197 });
    expect(items[0]).toMatchObject({ errors: [], draft: { method: "POST", url: "https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls.json", bodyEncoding: "form" } });
    expect(items[1]?.draft["bodyEncoding"]).toBe("json");
  });

  it("creates CreateCall and FetchCall with an Authorization: Basic secret header built from basicAuth, never echoed", async () => {
    const w = await makeWorld();
    const basicAuth = { username: "AC0123456789abcdef", password: "auth-token-secret-987" };
    const res = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: await twilioDocumentText() }, confirm: true, operations: ["create_call", "fetch_call"], basicAuth } });
    expect(res.status).toBe(201);
    const created = res.body["created"] as Record<string, unknown>[];
    expect(created.map((t) => t["code"])).toEqual(["create_call", "fetch_call"]);
    expect(created[0]).toMatchObject({ bodyEncoding: "form", secretHeaderNames: ["Authorization"], secretOrigin: "https://api.twilio.com", method: "POST" });
    const basic = btoa(`${basicAuth.username}:${basicAuth.password}`);
    expect(res.text).not.toContain(basicAuth.password);
    expect(res.text).not.toContain(basic);
    const rows = await withDb((db) => db.select().from(tools).where(inArray(tools.id, created.map((t) => String(t["id"])))));
    for (const row of rows) {
      expect(await decryptJson(testEnv.SECRETS_KEY, row.secretHeaders ?? "")).toEqual({ Authorization: `Basic ${basic}` });
      expect(row.parameterLocations).toMatchObject({ AccountSid: "path" });
    }
    expect(rows.find((r) => r.code === "create_call")?.parameterLocations).toMatchObject({ To: "body", From: "body" });
  });

  it("seals secret query parameters given to an import and binds them to each tool's origin", async () => {
    const w = await makeWorld();
    const res = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: manyOperations(3) }, confirm: true, secretQueryParams: { api_key: "q-secret-1" } } });
    expect(res.status).toBe(201);
    const created = res.body["created"] as Record<string, unknown>[];
    expect(created).toHaveLength(3);
    expect(created.every((t) => t["secretOrigin"] === "https://api.many.example" && (t["secretQueryParamNames"] as string[]).join() === "api_key")).toBe(true);
    expect(res.text).not.toContain("q-secret-1");
    const [row] = await withDb((db) => db.select().from(tools).where(eq(tools.id, String(created[0]?.["id"]))));
    expect(await decryptJson(testEnv.SECRETS_KEY, row?.secretQuery ?? "")).toEqual({ api_key: "q-secret-1" });
  });
});

describe("importing a generated Stripe-shaped document (400 operations, ~4 MB)", () => {
  it("previews the first page of 50, refuses to confirm all 400, and creates the two chosen with deepObject form bodies and a bearer key", async () => {
    const w = await makeWorld();
    const document = JSON.stringify(stripeLikeDocument(400));
    expect(document.length).toBeGreaterThan(3_000_000);
    const res = await call("POST", path(w), { token: w.member.token, json: { source: { type: "document", document } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 400, matched: 400, offset: 0, limit: 50 });
    expect(res.body["tools"]).toHaveLength(50);
    expect(res.body["credentials"]).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "bearer", name: "Authorization" })]));
    const all = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document }, confirm: true } });
    expectProblem(all, 400, "validation_failed");
    expect(all.body["detail"]).toContain("400 importable operations");
    const ok = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document }, confirm: true, operations: ["post_accounts", "get_accounts_account"], secretHeaders: { Authorization: "Bearer sk_test_bench" } } });
    expect(ok.status).toBe(201);
    expect(ok.text).not.toContain("sk_test_bench");
    const created = ok.body["created"] as Record<string, unknown>[];
    expect(created[0]).toMatchObject({ code: "post_accounts", bodyEncoding: "form", parameterStyles: { metadata: { style: "deepObject", explode: true } }, secretHeaderNames: ["Authorization"], secretOrigin: "https://api.stripe.example" });
  });
});

describe("import limits and refusals", () => {
  it("refuses basicAuth together with an Authorization secret header", async () => {
    const w = await makeWorld();
    const res = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: manyOperations(1) }, basicAuth: { username: "u", password: "p" }, secretHeaders: { authorization: "Bearer x" } } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([expect.objectContaining({ field: "body.basicAuth" })]);
  });

  it("requires `operations` to confirm a document of more than 200 operations, and creates the 200 chosen", async () => {
    const w = await makeWorld();
    const document = manyOperations(201);
    const all = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document }, confirm: true } });
    expectProblem(all, 400, "validation_failed");
    expect(all.body["detail"]).toContain("201 importable operations");
    expect(all.body["errors"]).toEqual([expect.objectContaining({ field: "body.operations" })]);
    const codes = Array.from({ length: 201 }, (_, i) => `get_thing${i}`);
    const tooMany = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document }, confirm: true, operations: codes } });
    expectProblem(tooMany, 400, "validation_failed");
    const preview = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document }, limit: 1 } });
    const chosen = (preview.body["operations"] as Summary[]).slice(1, 201).map((o) => o.code);
    const ok = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document }, confirm: true, operations: chosen } });
    expect(ok.status).toBe(201);
    expect((ok.body["created"] as unknown[]).length).toBe(200);
  });

  it("takes a document far larger than the 256 KiB other routes take, and refuses a body over 24 MiB with 413", async () => {
    const w = await makeWorld();
    const big = { ...manyOperations(2), "x-padding": "p".repeat(3 * 1024 * 1024) };
    const ok = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: big } } });
    expect(ok.status).toBe(200);
    const huge = JSON.stringify({ source: { type: "document", document: "a".repeat(24 * 1024 * 1024 + 1) } });
    const res = await call("POST", path(w), { token: w.owner.token, body: huge, headers: { "content-type": "application/json" } });
    expectProblem(res, 413, "payload_too_large");
    const other = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: { description: "p".repeat(300 * 1024) } });
    expectProblem(other, 413, "payload_too_large");
  });
});
