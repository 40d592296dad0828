import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tools } from "@speaknode/db";
import { call, expectProblem, makeWorld, testEnv, withDb } from "../../test/helpers.ts";
import { toolBody } from "../../test/fixtures.ts";
import { decryptJson } from "../lib/secrets.ts";

describe("tools: happy paths", () => {
  it("creates a webhook tool whose secret header values are encrypted and never returned", async () => {
    const w = await makeWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.member.token, json: toolBody() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "webhook", method: "GET", timeoutMs: 5000, secretHeaderNames: ["Authorization"], preToolSpeech: "Let me check that for you.", progressSpeech: { text: "Still looking, one moment.", afterMs: 2000 }, transferRules: [], version: 1 });
    expect(res.text).not.toContain("shop-secret-123");
    const read = await call("GET", `/v1/tools/${String(res.body["id"])}`, { token: w.apiKey });
    expect(read.text).not.toContain("shop-secret-123");
    const [row] = await withDb((db) => db.select().from(tools).where(eq(tools.id, String(res.body["id"]))));
    expect(row?.secretHeaders).toMatch(/^v1\./);
    expect(row?.secretHeaders).not.toContain("shop-secret");
    expect(await decryptJson(testEnv.SECRETS_KEY, row?.secretHeaders ?? "")).toEqual({ Authorization: "Bearer shop-secret-123" });
  });

  it("updates only what is sent, replaces secrets when given, and lists tools by code", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ code: "zz_last", transferRules: [] }) });
    const id = String(created.body["id"]);
    const patched = await call("PATCH", `/v1/tools/${id}`, { token: w.owner.token, json: { description: "Order status, by number", secretHeaders: { "X-Api-Key": "k2" } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: "Order status, by number", timeoutMs: 5000, method: "GET", secretHeaderNames: ["X-Api-Key"], version: 2 });
    await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ code: "aa_first" }) });
    const list = await call("GET", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token });
    expect(list.body.data?.map((t) => t["code"])).toEqual(["aa_first", w.toolCode, "zz_last"]);
    expect((await call("DELETE", `/v1/tools/${id}`, { token: w.owner.token })).status).toBe(204);
  });

  it("refuses a stale write with 412 when If-Match names an older version, and null clears optional fields", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ code: "clearable" }) });
    const id = String(created.body["id"]);
    const read = await call("GET", `/v1/tools/${id}`, { token: w.owner.token });
    expect(read.headers.get("etag")).toBe('"1"');
    const cleared = await call("PATCH", `/v1/tools/${id}`, { token: w.owner.token, headers: { "if-match": '"1"' }, json: { preToolSpeech: null, progressSpeech: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.headers.get("etag")).toBe('"2"');
    expect(cleared.body).toMatchObject({ preToolSpeech: null, progressSpeech: null, version: 2 });
    // a second editor still holding version 1 must not overwrite that
    expectProblem(await call("PATCH", `/v1/tools/${id}`, { token: w.owner.token, headers: { "if-match": '"1"' }, json: { description: "stale" } }), 412, "precondition_failed");
    expectProblem(await call("PATCH", `/v1/tools/${id}`, { token: w.owner.token, headers: { "if-match": "yesterday" }, json: { description: "x" } }), 412, "precondition_failed");
    const after = await call("GET", `/v1/tools/${id}`, { token: w.owner.token });
    expect(after.body).toMatchObject({ description: cleared.body["description"], version: 2 });
  });

  it("accepts transfer rules to agents of the same space", async () => {
    const w = await makeWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/tools`, {
      token: w.owner.token,
      json: toolBody({ transferRules: [{ targetAgentId: w.agentId, when: "the order is a business order", resultMatch: { path: "order.segment", equals: "b2b" } }] }),
    });
    expect(res.status).toBe(201);
    expect(res.body["transferRules"]).toEqual([{ targetAgentId: w.agentId, when: "the order is a business order", resultMatch: { path: "order.segment", equals: "b2b" } }]);
  });
});

describe("tools: bad input", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a code with capitals", { code: "OrderStatus" }, "body.code"],
    ["an invalid JSON Schema keyword", { bodySchema: { type: "object", properties: { orderId: { type: "integer", minimum: "zero" } } } }, "body.bodySchema.properties.orderId.minimum"],
    ["a required property that is not declared", { bodySchema: { type: "object", properties: {}, required: ["orderId"] } }, "body.bodySchema.required.0"],
    ["a body schema that is not an object", { bodySchema: { type: "string" } }, "body.bodySchema"],
    ["a pattern that does not compile", { bodySchema: { type: "object", properties: { a: { type: "string", pattern: "([" } } } }, "body.bodySchema.properties.a.pattern"],
    ["a path parameter missing from the body schema", { url: "https://shop.example.test/orders/{orderNumber}" }, "body.url"],
    ["a relative URL", { url: "/orders/{orderId}" }, "body.url"],
    ["a URL with credentials", { url: "https://user:pw@shop.example.test/orders/{orderId}" }, "body.url"],
    ["a secret header that is also a plain header", { headers: { authorization: "x" } }, "body.secretHeaders.Authorization"],
    ["a timeout of 70 s", { timeoutMs: 70_000 }, "body.timeoutMs"],
    ["a transfer rule with no condition", { transferRules: [{ targetAgentId: "agt_01jqz8k3m4n5p6q7r8s9t0v1w2" }] }, "body.transferRules.0"],
    ["a transfer to an agent of another space", { transferRules: [{ targetAgentId: "agt_01jqz8k3m4n5p6q7r8s9t0v1w2", when: "always" }] }, "body.transferRules.0.targetAgentId"],
  ];
  it.each(cases)("refuses %s", async (_what, overrides, field) => {
    const w = await makeWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody(overrides) });
    expectProblem(res, 400, "validation_failed");
    expect((res.body["errors"] as { field: string }[]).map((e) => e.field)).toContain(field);
    const list = await call("GET", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token });
    expect(list.body.data?.map((t) => t["code"])).toEqual([w.toolCode]);
  });

  it("refuses a duplicate code in the same space, but not in another", async () => {
    const w = await makeWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ code: w.toolCode }) });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([{ field: "body.code", message: `another tool of this space is already called "${w.toolCode}"` }]);
    expect((await call("POST", `/v1/spaces/${w.otherSpaceId}/tools`, { token: w.outsider.token, json: toolBody({ code: w.toolCode }) })).status).toBe(201);
  });
});
