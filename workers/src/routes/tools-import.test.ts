import { describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld } from "../../test/helpers.ts";
import ordersYaml from "../tools/fixtures/orders-api.yaml?raw";

const path = (w: { spaceId: string }) => `/v1/spaces/${w.spaceId}/tools/import`;

describe("POST /v1/spaces/{spaceId}/tools/import", () => {
  it("previews every operation of a YAML document without writing anything", async () => {
    const w = await makeWorld();
    const res = await call("POST", path(w), { token: w.member.token, json: { source: { type: "document", document: ordersYaml } } });
    expect(res.status).toBe(200);
    expect(res.body["confirmed"]).toBe(false);
    const items = res.body["tools"] as { draft: { code: string; url: string }; errors: unknown[]; securityHints: string[] }[];
    expect(items.map((t) => t.draft.code)).toEqual(expect.arrayContaining(["list_orders", "get_order_by_id", "cancel_order", "create_return", "reschedule_delivery", "get_delivery_slots"]));
    expect(items.every((t) => t.errors.length === 0)).toBe(true);
    expect(items.find((t) => t.draft.code === "get_order_by_id")?.draft.url).toBe("https://eu.api.greengage.example/v2/orders/{orderId}");
    expect(res.body["warnings"]).toEqual(expect.arrayContaining([expect.stringContaining("multipart")]));
    const list = await call("GET", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token });
    expect(list.body.data).toHaveLength(1);
  });

  it("creates the selected operations on confirm, with a base URL override and a shared secret header", async () => {
    const w = await makeWorld();
    const res = await call("POST", path(w), {
      token: w.owner.token,
      json: {
        source: { type: "document", document: ordersYaml },
        baseUrl: "https://sandbox.greengage.example/v2",
        confirm: true,
        operations: ["get_order_by_id", "reschedule_delivery"],
        secretHeaders: { "X-Shop-Key": "key-123" },
      },
    });
    expect(res.status).toBe(201);
    const created = res.body["created"] as { code: string; url: string; secretHeaderNames: string[]; bodySchema: { required: string[] } }[];
    expect(created.map((t) => [t.code, t.url])).toEqual([
      ["get_order_by_id", "https://sandbox.greengage.example/v2/orders/{orderId}"],
      ["reschedule_delivery", "https://sandbox.greengage.example/v2/orders/{orderId}/delivery"],
    ]);
    expect(created[1]?.bodySchema.required).toEqual(["orderId", "slot"]);
    expect(created.every((t) => t.secretHeaderNames.join() === "X-Shop-Key")).toBe(true);
    expect(res.text).not.toContain("key-123");
    // A second import of the same operations clashes on the codes: refused whole, nothing written.
    const again = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: ordersYaml }, confirm: true, operations: ["get_order_by_id", "list_orders"] } });
    expectProblem(again, 400, "validation_failed");
    expect(again.body["errors"]).toEqual([expect.objectContaining({ field: "tools.get_order_by_id.code" })]);
    const list = await call("GET", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token });
    expect(list.body.data?.map((t) => t["code"])).not.toContain("list_orders");
  });

  it("refuses garbage, Swagger 2.0, an unknown operation and a private URL", async () => {
    const w = await makeWorld();
    expectProblem(await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: "{ not: [valid" } } }), 400, "validation_failed");
    expectProblem(await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: { swagger: "2.0", paths: {} } } } }), 400, "validation_failed");
    const unknown = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "document", document: ordersYaml }, confirm: true, operations: ["nope"] } });
    expectProblem(unknown, 400, "validation_failed");
    expect(unknown.body["errors"]).toEqual([expect.objectContaining({ field: "body.operations.0" })]);
    const ssrf = await call("POST", path(w), { token: w.owner.token, json: { source: { type: "url", url: "http://169.254.169.254/latest/meta-data" } } });
    expectProblem(ssrf, 400, "validation_failed");
    expect(ssrf.body["errors"]).toEqual([expect.objectContaining({ field: "body.source.url" })]);
  });
});
