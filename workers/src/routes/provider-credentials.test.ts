import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { agentVersions, agents, providerCredentials } from "@speaknode/db";
import { agentBody } from "../../test/fixtures.ts";
import { call, expectProblem, makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { openKey } from "../providers/credentials.ts";

const key = "sk-test-provider-key-0123456789abcd";
const path = (w: World) => `/v1/spaces/${w.spaceId}/provider-credentials`;

async function create(w: World, body: Record<string, unknown> = {}) {
  return call("POST", path(w), { token: w.owner.token, json: { provider: "openai-compatible", name: `key ${crypto.randomUUID().slice(0, 6)}`, apiKey: key, ...body } });
}

describe("provider credentials", () => {
  it("stores a key for its provider's default URL, answers only a hint, and lets Members list it", async () => {
    const w = await makeWorld();
    const created = await create(w, { provider: "openrouter", name: "Our OpenRouter" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: "openrouter", name: "Our OpenRouter", baseUrl: "https://openrouter.ai/api/v1", keyHint: "…abcd", version: 1, spaceId: w.spaceId });
    expect(created.text).not.toContain(key);
    const listed = await call("GET", path(w), { token: w.member.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data?.map((c) => c["id"])).toEqual([created.body["id"]]);
    expect(listed.text).not.toContain(key);
    // At rest: ciphertext only, and it opens only with its own id and URL.
    const [row] = await withDb((db) => db.select().from(providerCredentials).where(eq(providerCredentials.id, String(created.body["id"]))));
    if (!row) throw new Error("no row");
    expect(JSON.stringify(row)).not.toContain(key);
    expect(await openKey(testEnv.SECRETS_KEY, row)).toBe(key);
    await expect(openKey(testEnv.SECRETS_KEY, { ...row, baseUrl: "https://evil.example.com/v1" })).rejects.toThrow();
  });

  it("refuses renaming a key to the name of another key of the space with a 400 on the name", async () => {
    const w = await makeWorld();
    expect((await create(w, { name: "Taken" })).status).toBe(201);
    const other = await create(w);
    const renamed = await call("PATCH", `/v1/provider-credentials/${String(other.body["id"])}`, { token: w.owner.token, json: { name: "Taken" } });
    expectProblem(renamed, 400, "validation_failed");
    expect(renamed.body["errors"]).toEqual([{ field: "body.name", message: 'another provider key of this space is already called "Taken"' }]);
  });

  it("defaults each provider to its public API", async () => {
    const w = await makeWorld();
    const expected: Record<string, string> = {
      "openai-compatible": "https://api.openai.com/v1",
      openai: "https://api.openai.com/v1",
      deepgram: "https://api.deepgram.com",
      elevenlabs: "https://api.elevenlabs.io/v1",
      cartesia: "https://api.cartesia.ai",
    };
    for (const [provider, url] of Object.entries(expected)) {
      const res = await create(w, { provider });
      expect(res.status).toBe(201);
      expect(res.body["baseUrl"]).toBe(url);
    }
  });

  it("refuses base URLs that point inside the network, with the reason", async () => {
    const w = await makeWorld();
    for (const baseUrl of ["http://169.254.169.254/latest", "https://10.0.0.7/v1", "https://[::ffff:169.254.169.254]/", "https://metadata.google.internal/v1", "https://user:pw@api.example.com/v1", "ftp://api.example.com"]) {
      const res = await create(w, { baseUrl });
      expectProblem(res, 400, "validation_failed");
      expect(res.body["errors"]).toEqual([expect.objectContaining({ field: "body.baseUrl", message: expect.any(String) })]);
    }
    const list = await call("GET", path(w), { token: w.owner.token });
    expect(list.body.data).toEqual([]);
  });

  it("refuses a second key with the same name, a bad key and an unknown provider", async () => {
    const w = await makeWorld();
    expect((await create(w, { name: "Main" })).status).toBe(201);
    const dup = await create(w, { name: "Main" });
    expectProblem(dup, 400, "validation_failed");
    expect(dup.body["errors"]).toEqual([expect.objectContaining({ field: "body.name" })]);
    expectProblem(await create(w, { apiKey: "short" }), 400, "validation_failed");
    expectProblem(await create(w, { apiKey: "has a space in it\r\nX-Evil: 1" }), 400, "validation_failed");
    expectProblem(await create(w, { provider: "scripted" }), 400, "validation_failed");
    expectProblem(await create(w, { extra: true }), 400, "validation_failed");
  });

  it("renames and rotates the key without moving it, and moves the URL only together with a new key", async () => {
    const w = await makeWorld();
    const created = await create(w, { baseUrl: "https://llm.example.com/v1/" });
    expect(created.body["baseUrl"]).toBe("https://llm.example.com/v1");
    const id = String(created.body["id"]);
    const renamed = await call("PATCH", `/v1/provider-credentials/${id}`, { token: w.owner.token, json: { name: "Renamed" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Renamed", baseUrl: "https://llm.example.com/v1", keyHint: "…abcd", version: 2 });

    const moveAlone = await call("PATCH", `/v1/provider-credentials/${id}`, { token: w.owner.token, json: { baseUrl: "https://attacker.example.net/v1" } });
    expectProblem(moveAlone, 400, "validation_failed");
    expect(moveAlone.body["errors"]).toEqual([expect.objectContaining({ field: "body.apiKey" })]);
    // The same URL written again is not a move.
    expect((await call("PATCH", `/v1/provider-credentials/${id}`, { token: w.owner.token, json: { baseUrl: "https://llm.example.com/v1" } })).status).toBe(200);

    const moved = await call("PATCH", `/v1/provider-credentials/${id}`, { token: w.owner.token, json: { baseUrl: "https://other.example.net/v1", apiKey: "sk-new-key-for-the-new-place-wxyz" } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ baseUrl: "https://other.example.net/v1", keyHint: "…wxyz" });
    expect(moved.text).not.toContain("sk-new-key");
    const [row] = await withDb((db) => db.select().from(providerCredentials).where(eq(providerCredentials.id, id)));
    if (!row) throw new Error("no row");
    expect(await openKey(testEnv.SECRETS_KEY, row)).toBe("sk-new-key-for-the-new-place-wxyz");

    expectProblem(await call("PATCH", `/v1/provider-credentials/${id}`, { token: w.owner.token, json: { baseUrl: "http://169.254.169.254/", apiKey: key } }), 400, "validation_failed");
  });

  it("refuses to delete a key an agent's draft or published version uses, naming the agent", async () => {
    const w = await makeWorld();
    const created = await create(w);
    const id = String(created.body["id"]);
    const agent = await call("POST", `/v1/spaces/${w.spaceId}/agents`, {
      token: w.owner.token,
      json: agentBody({ name: "Keyed agent", llm: { provider: "openai-compatible", model: "gpt-4o-mini", credentialId: id } }),
    });
    expect(agent.status).toBe(201);
    const agentId = String(agent.body["id"]);
    expect((await call("POST", `/v1/agents/${agentId}/publish`, { token: w.owner.token })).status).toBe(200);

    const refused = await call("DELETE", `/v1/provider-credentials/${id}`, { token: w.owner.token });
    expectProblem(refused, 409, "conflict");
    expect(String(refused.body["detail"])).toContain('"Keyed agent"');

    // The draft stops using it; the published version still does.
    expect((await call("PATCH", `/v1/agents/${agentId}`, { token: w.owner.token, json: { llm: { provider: "scripted", model: "demo" } } })).status).toBe(200);
    expectProblem(await call("DELETE", `/v1/provider-credentials/${id}`, { token: w.owner.token }), 409, "conflict");
    expect((await call("POST", `/v1/agents/${agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    expect((await call("DELETE", `/v1/provider-credentials/${id}`, { token: w.owner.token })).status).toBe(204);
    expectProblem(await call("DELETE", `/v1/provider-credentials/${id}`, { token: w.owner.token }), 404, "not_found");
    const versions = await withDb((db) => db.select({ v: agentVersions.version }).from(agentVersions).where(eq(agentVersions.agentId, agentId)));
    expect(versions).toHaveLength(2);
    const rows = await withDb((db) => db.select({ id: agents.id }).from(agents).where(eq(agents.id, agentId)));
    expect(rows).toHaveLength(1);
  });

  it("gives a foreign credential and a made-up one the same 404", async () => {
    const w = await makeWorld();
    const theirs = await call("POST", `/v1/spaces/${w.otherSpaceId}/provider-credentials`, { token: w.outsider.token, json: { provider: "deepgram", name: "Theirs", apiKey: key } });
    const foreign = await call("PATCH", `/v1/provider-credentials/${String(theirs.body["id"])}`, { token: w.owner.token, json: { name: "Mine now" } });
    const madeUp = await call("PATCH", "/v1/provider-credentials/pcr_01jqz8k3m4n5p6q7r8s9t0v1w2", { token: w.owner.token, json: { name: "Mine now" } });
    expectProblem(foreign, 404, "not_found");
    expectProblem(madeUp, 404, "not_found");
    expect(foreign.body["detail"]).toBe(madeUp.body["detail"]);
  });

  it("writes no key to any log, also when a request fails", async () => {
    const w = await makeWorld();
    const lines: string[] = [];
    const spies = (["log", "warn", "error", "info", "debug"] as const).map((m) => vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))));
    try {
      const created = await create(w);
      await call("PATCH", `/v1/provider-credentials/${String(created.body["id"])}`, { token: w.owner.token, json: { apiKey: key, baseUrl: "http://169.254.169.254/" } });
      await call("PATCH", `/v1/provider-credentials/${String(created.body["id"])}`, { token: w.member.token, json: { apiKey: key } });
      await create(w, { name: "x".repeat(101) });
      await create(w, { baseUrl: "http://10.0.0.1/" });
      await call("POST", path(w), { token: w.owner.token, body: `{"provider":"openai","name":"y","apiKey":"${key}"`, headers: { "content-type": "application/json" } });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // Today only unexpected errors are logged; whatever is logged later must not carry the key.
    expect(lines.join("\n")).not.toContain(key);
  });
});
