import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiKeys } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb } from "../../test/helpers.ts";

describe("API keys", () => {
  it("shows the secret once, lists by prefix only, stores only a hash", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token, json: { name: "Zapier" } });
    expect(created.status).toBe(201);
    const key = String(created.body["key"]);
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(created.body["prefix"]).toBe(key.slice(0, 10));
    const list = await call("GET", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token });
    const listed = list.body.data?.find((k) => k["id"] === created.body["id"]);
    expect(listed).toMatchObject({ name: "Zapier", prefix: key.slice(0, 10), lastUsedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(key);
    const [row] = await withDb((db) => db.select().from(apiKeys).where(eq(apiKeys.id, String(created.body["id"]))));
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(key);
  });

  it("authenticates with the key, records its last use, and stops at once when revoked", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token, json: { name: "bot" } });
    const key = String(created.body["key"]);
    expect((await call("GET", `/v1/spaces/${w.spaceId}/members`, { token: key })).status).toBe(200);
    const list = await call("GET", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token });
    expect(list.body.data?.find((k) => k["id"] === created.body["id"])?.["lastUsedAt"]).toEqual(expect.any(String));
    expect((await call("DELETE", `/v1/api-keys/${String(created.body["id"])}`, { token: w.owner.token })).status).toBe(204);
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/members`, { token: key }), 401, "unauthorized");
    const after = await call("GET", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token });
    expect(after.body.data?.map((k) => k["id"])).not.toContain(created.body["id"]);
    expectProblem(await call("DELETE", `/v1/api-keys/${String(created.body["id"])}`, { token: w.owner.token }), 404, "not_found");
  });

  it("keeps an API key inside its one space", async () => {
    const w = await makeWorld();
    expectProblem(await call("GET", `/v1/spaces/${w.otherSpaceId}`, { token: w.apiKey }), 404, "not_found");
    expectProblem(await call("POST", "/v1/spaces", { token: w.apiKey, json: { name: "escape" } }), 403, "forbidden");
  });

  it("rejects an empty or over-long name and an unknown key id", async () => {
    const w = await makeWorld();
    expectProblem(await call("POST", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token, json: { name: "" } }), 400, "validation_failed");
    expectProblem(await call("POST", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token, json: { name: "k".repeat(101) } }), 400, "validation_failed");
    expectProblem(await call("DELETE", "/v1/api-keys/key_01jqz8k3m4n5p6q7r8s9t0v1w2", { token: w.owner.token }), 404, "not_found");
    expectProblem(await call("DELETE", "/v1/api-keys/sk_nope", { token: w.owner.token }), 400, "validation_failed");
  });
});
