// The agent tokens store without a DOM, against a fake API: list, issue (the token held once, then
// dismissed), revoke, and the issue form's checks before sending.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { AgentToken } from "../../../packages/contracts/src/agent-tokens.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, noContent } from "../test-support.ts";
import { createAgentTokensStore, issueRequest } from "./agent-tokens.ts";

const at = "2026-11-01T10:00:00.000Z";
const agentId = ids.agent();

function tokenFixture(overrides: Partial<AgentToken> = {}): AgentToken {
  return { id: newId("agentToken"), agentId, name: "checkout", allowedOrigins: [], apiKeyId: null, createdBy: ids.user(), status: "active", expiresAt: at, revokedAt: null, lastUsedAt: null, createdAt: at, ...overrides };
}

function setup(existing: AgentToken[]) {
  const fetch = fakeFetch(async (req) => {
    if (req.url === `/v1/agents/${agentId}/agent-tokens` && req.method === "GET") return json({ data: existing });
    if (req.url === `/v1/agents/${agentId}/agent-tokens` && req.method === "POST") {
      const body = JSON.parse(req.body ?? "{}") as { name?: string; allowedOrigins: string[] };
      return json({ ...tokenFixture({ name: body.name ?? null, allowedOrigins: body.allowedOrigins }), token: "eyJ.secret.token" }, 201);
    }
    if (req.method === "DELETE") return noContent();
    return json({ error: "unexpected" }, 599);
  });
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  return { fetch, store: createAgentTokensStore(api, agentId) };
}

describe("agent tokens store", () => {
  it("lists tokens, issues one shown once, and revokes it", async () => {
    const old = tokenFixture({ name: "old", status: "expired" });
    const { fetch, store } = setup([old]);
    await store.load();
    expect(store.tokens.value).toEqual([old]);
    const issued = await store.issue({ name: "shop", ttlS: 3600, allowedOrigins: ["https://shop.example"] });
    expect(JSON.parse(fetch.requests.at(-1)?.body ?? "{}")).toEqual({ name: "shop", ttlS: 3600, allowedOrigins: ["https://shop.example"] });
    expect(store.revealed.value?.token).toBe("eyJ.secret.token");
    // The list never holds the token itself.
    expect(store.tokens.value.map((t) => t.id)).toEqual([issued.id, old.id]);
    expect(JSON.stringify(store.tokens.value)).not.toContain("eyJ.secret.token");
    store.dismiss();
    expect(store.revealed.value).toBeNull();
    await store.revoke(issued.id);
    expect(fetch.requests.at(-1)).toMatchObject({ method: "DELETE", url: `/v1/agent-tokens/${issued.id}` });
    expect(store.tokens.value[0]).toMatchObject({ id: issued.id, status: "revoked", revokedAt: expect.any(String) });
  });

  it("checks the issue form before sending: origins, lifetime", () => {
    expect(issueRequest({ name: " shop ", ttlHours: 8, origins: "https://shop.example/, https://www.shop.example" })).toEqual({
      body: { name: "shop", ttlS: 28_800, allowedOrigins: ["https://shop.example", "https://www.shop.example"] },
    });
    expect(issueRequest({ name: "", ttlHours: 1, origins: "" })).toEqual({ body: { ttlS: 3600, allowedOrigins: [] } });
    const bad = issueRequest({ name: "", ttlHours: 1, origins: "shop.example/checkout" });
    expect("errors" in bad && bad.errors["allowedOrigins"]).toContain("must be an origin");
    const long = issueRequest({ name: "", ttlHours: 48, origins: "" });
    expect("errors" in long && long.errors["ttlS"]).toBeTruthy();
  });
});
