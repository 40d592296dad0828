import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { agentTokens } from "@speaknode/db";
import { call, expectProblem, makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { withRandomIds } from "../../test/security-suite.ts";

const dispatchPath = (agentId: string) => `/public/agents/${agentId}/sessions`;
const body = { variables: { order_id: "7" } };

async function published(): Promise<World> {
  const w = await makeWorld();
  const res = await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
  if (res.status !== 200) throw new Error(`publish failed: ${res.text}`);
  return w;
}

async function issue(w: World, credential: string, json: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const res = await call("POST", `/v1/agents/${w.agentId}/agent-tokens`, { token: credential, json });
  if (res.status !== 201) throw new Error(`issue failed: ${res.status} ${res.text}`);
  return { id: String(res.body["id"]), token: String(res.body["token"]) };
}

const start = (agentId: string, agentToken: string, origin?: string) => call("POST", dispatchPath(agentId), { json: { ...body, agentToken }, headers: origin ? { origin } : {} });

describe("agent tokens", () => {
  it("issues a token shown once, lists it without the token, and starts sessions with it", async () => {
    const w = await published();
    const res = await call("POST", `/v1/agents/${w.agentId}/agent-tokens`, { token: w.member.token, json: { name: "shop.example widget", ttlS: 600 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ agentId: w.agentId, name: "shop.example widget", allowedOrigins: [], apiKeyId: null, createdBy: w.member.id, status: "active", revokedAt: null, lastUsedAt: null, token: expect.any(String) });
    expect(Date.parse(String(res.body["expiresAt"])) - Date.now()).toBeGreaterThan(590_000);
    const token = String(res.body["token"]);
    expect((await start(w.agentId, token, "https://anywhere.example")).status).toBe(201);
    const list = await call("GET", `/v1/agents/${w.agentId}/agent-tokens`, { token: w.owner.token });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([expect.objectContaining({ id: res.body["id"], name: "shop.example widget", status: "active", lastUsedAt: expect.any(String) })]);
    expect(list.text).not.toContain(token);
  });

  it("refuses a revoked token, and lists it as revoked", async () => {
    const w = await published();
    const { id, token } = await issue(w, w.owner.token);
    expect((await start(w.agentId, token)).status).toBe(201);
    const revoked = await call("DELETE", `/v1/agent-tokens/${id}`, { token: w.member.token });
    expect(revoked.status).toBe(204);
    const refused = await start(w.agentId, token);
    expectProblem(refused, 401, "unauthorized");
    expect(refused.body["detail"]).toBe("the agent token was revoked");
    // Revoking again changes nothing.
    expect((await call("DELETE", `/v1/agent-tokens/${id}`, { token: w.owner.token })).status).toBe(204);
    const list = await call("GET", `/v1/agents/${w.agentId}/agent-tokens`, { token: w.owner.token });
    expect(list.body.data).toEqual([expect.objectContaining({ id, status: "revoked", revokedAt: expect.any(String) })]);
  });

  it("never outlives the API key that minted it", async () => {
    const w = await published();
    const { token } = await issue(w, w.apiKey);
    const list = await call("GET", `/v1/agents/${w.agentId}/agent-tokens`, { token: w.owner.token });
    expect(list.body.data?.[0]).toMatchObject({ apiKeyId: w.apiKeyId, createdBy: null });
    expect((await start(w.agentId, token)).status).toBe(201);
    expect((await call("DELETE", `/v1/api-keys/${w.apiKeyId}`, { token: w.owner.token })).status).toBe(204);
    const refused = await start(w.agentId, token);
    expectProblem(refused, 401, "unauthorized");
    expect(refused.body["detail"]).toContain("API key that issued this agent token was revoked");
  });

  it("admits only its allowed origins when it has any", async () => {
    const w = await published();
    const { token } = await issue(w, w.owner.token, { allowedOrigins: ["https://shop.example"] });
    expect((await start(w.agentId, token, "https://shop.example")).status).toBe(201);
    expectProblem(await start(w.agentId, token, "https://evil.example"), 403, "forbidden");
    expectProblem(await start(w.agentId, token), 403, "forbidden");
    expectProblem(await call("POST", `/v1/agents/${w.agentId}/agent-tokens`, { token: w.owner.token, json: { allowedOrigins: ["shop.example/path"] } }), 400, "validation_failed");
  });

  it("stores origins canonical and admits the page a browser names, however the admin typed it", async () => {
    const w = await published();
    const res = await call("POST", `/v1/agents/${w.agentId}/agent-tokens`, { token: w.owner.token, json: { allowedOrigins: ["HTTPS://Shop.Example:443"] } });
    expect(res.status).toBe(201);
    expect(res.body["allowedOrigins"]).toEqual(["https://shop.example"]);
    const token = String(res.body["token"]);
    expect((await start(w.agentId, token, "https://shop.example")).status).toBe(201);
    expectProblem(await start(w.agentId, token, "https://shop.example:8443"), 403, "forbidden");
  });

  it("admits a widget origin saved before origins were stored canonical", async () => {
    const w = await published();
    const agent = await call("GET", `/v1/agents/${w.agentId}`, { token: w.owner.token });
    const widget = { ...(agent.body["widget"] as Record<string, unknown>), allowedOrigins: ["https://Shop.Example"] };
    const patched = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { widget }, headers: { "if-match": agent.headers.get("etag") ?? "" } });
    expect(patched.status).toBe(200);
    expect((patched.body["widget"] as { allowedOrigins: string[] }).allowedOrigins).toEqual(["https://shop.example"]);
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    // A version stored before (a non-canonical spelling in the row) is read canonical and still admits the page.
    await withDb((db) => db.execute(sql`update agent_versions set snapshot = replace(snapshot::text, 'https://shop.example', 'https://Shop.EXAMPLE:443')::json where agent_id = ${w.agentId}`));
    const ok = await call("POST", dispatchPath(w.agentId), { json: body, headers: { origin: "https://shop.example", "cf-connecting-ip": "203.0.113.7" } });
    expect(ok.status).toBe(201);
    expectProblem(await call("POST", dispatchPath(w.agentId), { json: body, headers: { origin: "https://evil.example" } }), 403, "forbidden");
  });

  it("refuses a token whose row has expired or that carries no row id (signed before tokens were recorded)", async () => {
    const w = await published();
    const { id, token } = await issue(w, w.owner.token);
    await withDb((db) => db.update(agentTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(agentTokens.id, id)));
    expectProblem(await start(w.agentId, token), 401, "token_expired");
    const now = Math.floor(Date.now() / 1000);
    const legacy = await new SignJWT({ aid: w.agentId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("speaknode")
      .setAudience("speaknode:agent")
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(testEnv.RUNTIME_TOKEN_SECRET));
    const refused = await start(w.agentId, legacy);
    expectProblem(refused, 401, "unauthorized");
    expect(refused.body["detail"]).toContain("issue a new one");
  });

  it("lets nobody outside the space list or revoke tokens, with the 404 of a made-up id", async () => {
    const w = await published();
    const { id, token } = await issue(w, w.owner.token);
    for (const credential of [w.outsider.token]) {
      const foreign = await call("DELETE", `/v1/agent-tokens/${id}`, { token: credential });
      const madeUp = await call("DELETE", withRandomIds(`/v1/agent-tokens/${id}`), { token: credential });
      expectProblem(foreign, 404, "not_found");
      expect(foreign.body["detail"]).toBe(madeUp.body["detail"]);
      expectProblem(await call("GET", `/v1/agents/${w.agentId}/agent-tokens`, { token: credential }), 404, "not_found");
    }
    expect((await start(w.agentId, token)).status).toBe(201);
  });
});
