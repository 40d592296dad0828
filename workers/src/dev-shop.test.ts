import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../test/helpers.ts";
import { demoOrder, demoShopApiKey, demoShopDocument } from "./dev-shop.ts";
import { importOpenApi } from "./tools/openapi-import.ts";

const form = { "content-type": "application/x-www-form-urlencoded" };
const notesPath = (orderId: string, key: string | null = demoShopApiKey) => `/dev/demo-shop/orders/${orderId}/notes${key === null ? "" : `?api_key=${encodeURIComponent(key)}`}`;

describe("the demo shop of the embedded default", () => {
  it("answers the same status for the same order, whatever the digit order", async () => {
    const res = await call("GET", "/dev/demo-shop/orders/42");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(demoOrder("42"));
    expect(demoOrder("42").status).toBe(demoOrder("24").status);
    expect(new Set(["1", "2", "3", "4"].map((id) => demoOrder(id).status)).size).toBe(4);
  });

  it("knows no orders that are not numbers", async () => {
    expectProblem(await call("GET", "/dev/demo-shop/orders/abc"), 404, "not_found");
  });

  it("serves its OpenAPI document, which imports as a lookup and a form-encoded note with an API key in the query", async () => {
    const res = await call("GET", "/dev/demo-shop/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(demoShopDocument());
    const imported = importOpenApi(res.body, { documentUrl: "http://127.0.0.1:8787/dev/demo-shop/openapi.json" });
    expect(imported.operations.map((o) => `${o.code} ${o.method} ${o.path}`)).toEqual(["get_order GET /orders/{orderId}", "add_order_note POST /orders/{orderId}/notes"]);
    const [lookup, note] = imported.tools;
    expect(lookup?.draft).toMatchObject({ method: "GET", url: "http://127.0.0.1:8787/dev/demo-shop/orders/{orderId}", bodyEncoding: "json" });
    expect(lookup?.credentials).toEqual([]);
    expect(note?.draft).toMatchObject({ method: "POST", url: "http://127.0.0.1:8787/dev/demo-shop/orders/{orderId}/notes", bodyEncoding: "form" });
    expect(note?.draft.bodySchema).toMatchObject({ required: expect.arrayContaining(["orderId", "note"]), properties: { note: { type: "string" }, tags: { type: "array" } } });
    expect(note?.parameterLocations).toMatchObject({ orderId: "path", note: "body", tags: "body" });
    expect(note?.credentials).toEqual([expect.objectContaining({ scheme: "shopKey", kind: "query", name: "api_key" })]);
    expect(note?.needsBaseUrl).toBe(false);
  });

  it("saves a form-encoded note sent with its API key and shows how it arrived", async () => {
    const body = "note=Leave+it+at+the+back+door&tags=delivery&tags=urgent";
    const res = await call("POST", notesPath("4217"), { headers: form, body });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ orderId: "4217", note: "Leave it at the back door", tags: ["delivery", "urgent"], saved: true });
    const seen = await call("GET", "/dev/demo-shop/orders/4217/notes");
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      orderId: "4217",
      note: "Leave it at the back door",
      tags: ["delivery", "urgent"],
      received: { contentType: "application/x-www-form-urlencoded", rawBody: body, queryNames: ["api_key"] },
    });
    // The key is checked, never kept.
    expect(seen.text).not.toContain(demoShopApiKey);
  });

  it("keeps only the last note of an order, with no tags when none were sent", async () => {
    await call("POST", notesPath("77"), { headers: form, body: "note=first" });
    await call("POST", notesPath("77"), { headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body: "note=second%20one" });
    const seen = await call("GET", "/dev/demo-shop/orders/77/notes");
    expect(seen.body).toMatchObject({ note: "second one", tags: [], received: { rawBody: "note=second%20one" } });
  });

  it("refuses a note without the right API key, in another encoding, or without text, and keeps none of them", async () => {
    expectProblem(await call("POST", notesPath("501", null), { headers: form, body: "note=hi" }), 401, "unauthorized");
    expectProblem(await call("POST", notesPath("501", "wrong"), { headers: form, body: "note=hi" }), 401, "unauthorized");
    expectProblem(await call("POST", notesPath("501"), { json: { note: "hi" } }), 415, "unsupported_media_type");
    expectProblem(await call("POST", notesPath("501"), { headers: form, body: "tags=a" }), 400, "validation_failed");
    expectProblem(await call("POST", notesPath("501"), { headers: form, body: `note=${"x".repeat(20_000)}` }), 413, "payload_too_large");
    expectProblem(await call("POST", notesPath("abc"), { headers: form, body: "note=hi" }), 404, "not_found");
    expectProblem(await call("GET", "/dev/demo-shop/orders/501/notes"), 404, "not_found");
  });
});
