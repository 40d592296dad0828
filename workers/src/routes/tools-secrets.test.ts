// Secret headers stay with the origin they were given for, and tool URLs are judged by the SSRF
// policy when saved: create, update, import, and what the runtime gets for drafts and published
// snapshots.
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { tools } from "@speaknode/db";
import { toolBody } from "../../test/fixtures.ts";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { dispatched, runtimeCall } from "../runtime/testing.ts";

const secret = { Authorization: "Bearer shop-secret-123" };

async function attachTool(w: World): Promise<void> {
  const res = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { tools: [{ type: "webhook", toolId: w.toolId }] } });
  if (res.status !== 200) throw new Error(`attaching the tool failed: ${res.text}`);
}

async function runtimeTool(sessionId: string): Promise<Record<string, unknown>> {
  const res = await runtimeCall("GET", `/sessions/${sessionId}/config`);
  expect(res.status).toBe(200);
  const found = (res.body["tools"] as Record<string, unknown>[]).find((t) => t["type"] === "webhook");
  if (!found) throw new Error("no webhook tool in the runtime config");
  return found;
}

describe("tool secret headers are bound to the URL's origin", () => {
  it("records the origin the secrets were given for, and keeps them when the URL changes within it", async () => {
    const w = await makeWorld();
    const got = await call("GET", `/v1/tools/${w.toolId}`, { token: w.member.token });
    expect(got.body).toMatchObject({ secretHeaderNames: ["Authorization"], secretOrigin: "https://shop.example.test" });
    const moved = await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.member.token, json: { url: "https://shop.example.test:443/v2/orders/{orderId}" } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ secretHeadersCleared: false, warnings: [], secretHeaderNames: ["Authorization"], secretOrigin: "https://shop.example.test" });
    await attachTool(w);
    const { sessionId } = await dispatched(w);
    expect(await runtimeTool(sessionId)).toMatchObject({ secretHeaders: secret, secretOrigin: "https://shop.example.test" });
  });

  it("clears the secrets when a Member moves the URL to another origin without giving them again, and says so", async () => {
    const w = await makeWorld();
    await attachTool(w);
    for (const url of ["https://attacker.example.net/collect", "http://shop.example.test/orders/{orderId}", "https://shop.example.test:8443/orders/{orderId}"]) {
      const fresh = await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.owner.token, json: { url: "https://shop.example.test/orders/{orderId}", secretHeaders: secret } });
      expect(fresh.body).toMatchObject({ secretHeadersCleared: false, secretHeaderNames: ["Authorization"] });
      const moved = await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.member.token, json: { url } });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ secretHeadersCleared: true, secretHeaderNames: [], secretOrigin: null });
      expect((moved.body["warnings"] as string[])[0]).toContain("were deleted rather than sent there");
      const [row] = await withDb((db) => db.select().from(tools).where(eq(tools.id, w.toolId)));
      expect(row).toMatchObject({ secretHeaders: null, secretHeaderNames: [], secretOrigin: null });
      const { sessionId } = await dispatched(w);
      expect(await runtimeTool(sessionId)).toMatchObject({ url, secretHeaders: {}, secretOrigin: null });
    }
  });

  it("binds secrets given in the same request to the new origin", async () => {
    const w = await makeWorld();
    const res = await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.owner.token, json: { url: "https://api.partner.example/orders/{orderId}", secretHeaders: { "X-Api-Key": "k-2" } } });
    expect(res.body).toMatchObject({ secretHeadersCleared: false, secretHeaderNames: ["X-Api-Key"], secretOrigin: "https://api.partner.example" });
  });

  it("binds the secrets of a tool saved before origins were recorded to the URL stored with them", async () => {
    const w = await makeWorld();
    await withDb((db) => db.update(tools).set({ secretOrigin: null }).where(eq(tools.id, w.toolId)));
    expect((await call("GET", `/v1/tools/${w.toolId}`, { token: w.owner.token })).body["secretOrigin"]).toBe("https://shop.example.test");
    const moved = await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.member.token, json: { url: "https://attacker.example.net/x" } });
    expect(moved.body).toMatchObject({ secretHeadersCleared: true, secretHeaderNames: [] });
  });

  it("withholds the secrets from a published version whose snapshot holds a URL on another origin", async () => {
    const w = await makeWorld();
    await attachTool(w);
    // Published while the tool pointed at the attacker's server (no secrets then) ...
    await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.member.token, json: { url: "https://attacker.example.net/orders/{orderId}" } });
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.member.token })).status).toBe(200);
    // ... then the Owner points it back at the shop and gives the key again.
    const back = await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.owner.token, json: { url: "https://shop.example.test/orders/{orderId}", secretHeaders: secret } });
    expect(back.body).toMatchObject({ secretOrigin: "https://shop.example.test" });
    const { sessionId } = await dispatched(w);
    expect(await runtimeTool(sessionId)).toMatchObject({ url: "https://attacker.example.net/orders/{orderId}", secretHeaders: {}, secretOrigin: null });
    // Publishing again serves the new URL with its secrets.
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    const again = await dispatched(w);
    expect(await runtimeTool(again.sessionId)).toMatchObject({ url: "https://shop.example.test/orders/{orderId}", secretHeaders: secret, secretOrigin: "https://shop.example.test" });
  });
});

describe("tool URLs are checked by the SSRF policy when saved", () => {
  const refused: [string, string][] = [
    ["http://169.254.169.254/latest/meta-data/{orderId}", "link-local"],
    ["https://10.0.0.7/orders/{orderId}", "private"],
    ["https://[::ffff:192.168.0.1]/orders/{orderId}", "private"],
    ["https://metadata.google.internal/orders/{orderId}", "private host"],
    ["https://{{tenant}}.example.com/orders/{orderId}", "placeholder in its host"],
    ["https://api.example.com{orderId}", "placeholder in its host"],
    ["https://api.example.com:{{port}}/orders/{orderId}", "placeholder in its host or port"],
    ["https:{{tenant}}.example.com/orders/{orderId}", "placeholder in a host the URL parser finds without //"],
    ["https:\\\\{{tenant}}.example.com/orders/{orderId}", "placeholder in a host after backslashes"],
    ["ht\ttps://{{tenant}}.example.com/orders/{orderId}", "placeholder in a host behind a tab the URL parser drops"],
  ];
  for (const [url, why] of refused) {
    it(`refuses to create or move a tool to ${url} with a 400 naming why (${why})`, async () => {
      const w = await makeWorld();
      const created = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ url }) });
      expectProblem(created, 400, "validation_failed");
      const errors = created.body["errors"] as { field: string; message: string }[];
      expect(errors).toEqual([{ field: "body.url", message: expect.stringMatching(/address|host|placeholder/) }]);
      const moved = await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.owner.token, json: { url } });
      expectProblem(moved, 400, "validation_failed");
      expect(moved.body["errors"]).toEqual(errors);
    });
  }

  it("lets the local Worker through on a development platform, as the demo shop tool needs", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ url: "http://127.0.0.1:8787/dev/demo-shop/orders/{orderId}" }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ secretOrigin: "http://127.0.0.1:8787", secretHeadersCleared: false, warnings: [] });
  });

  it("checks imported tools' URLs (the document's server or the base URL) and binds their secrets to their origin", async () => {
    const w = await makeWorld();
    const document = { openapi: "3.1.0", info: { title: "Shop", version: "1" }, servers: [{ url: "https://10.1.2.3/api" }], paths: { "/orders/{id}": { get: { operationId: "getOrder", parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }] } } } };
    const path = `/v1/spaces/${w.spaceId}/tools/import`;
    const preview = await call("POST", path, { token: w.owner.token, json: { source: { type: "document", document } } });
    expect(preview.status).toBe(200);
    const item = (preview.body["tools"] as { errors: { field: string; message: string }[] }[])[0];
    expect(item?.errors).toEqual([{ field: "draft.url", message: expect.stringContaining("private") }]);
    expectProblem(await call("POST", path, { token: w.owner.token, json: { source: { type: "document", document }, confirm: true } }), 400, "validation_failed");
    const viaBase = await call("POST", path, { token: w.owner.token, json: { source: { type: "document", document }, baseUrl: "https://api.shop.example/v1", confirm: true, secretHeaders: { "X-Api-Key": "k" } } });
    expect(viaBase.status).toBe(201);
    expect((viaBase.body["created"] as Record<string, unknown>[])[0]).toMatchObject({ url: "https://api.shop.example/v1/orders/{id}", secretHeaderNames: ["X-Api-Key"], secretOrigin: "https://api.shop.example" });
    expectProblem(await call("POST", path, { token: w.owner.token, json: { source: { type: "document", document }, baseUrl: "http://192.168.1.1", confirm: true } }), 400, "validation_failed");
  });
});
