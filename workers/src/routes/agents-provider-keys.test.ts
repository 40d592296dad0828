// An agent names a catalog model and, optionally, one of its space's provider keys; it can no
// longer name an endpoint or a key itself (the platform's key used to follow `llm.params.baseUrl`).
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { agents } from "@speaknode/db";
import { agentBody } from "../../test/fixtures.ts";
import { call, expectProblem, makeWorld, mintToken, withDb, type World } from "../../test/helpers.ts";
import { dispatched, runtimeCall } from "../runtime/testing.ts";

const openai = (extra: Record<string, unknown> = {}) => ({ provider: "openai-compatible", model: "gpt-4o-mini", ...extra });

async function credential(w: World, provider: string, space: "own" | "other" = "own"): Promise<string> {
  const [spaceId, token] = space === "own" ? [w.spaceId, w.owner.token] : [w.otherSpaceId, w.outsider.token];
  const res = await call("POST", `/v1/spaces/${spaceId}/provider-credentials`, { token, json: { provider, name: `${provider} ${crypto.randomUUID().slice(0, 6)}`, apiKey: `key-${provider}-0123456789-wxyz` } });
  if (res.status !== 201) throw new Error(res.text);
  return String(res.body["id"]);
}

describe("an agent's provider params and keys", () => {
  it("refuses an endpoint or a key in an agent's params, on create and on update", async () => {
    const w = await makeWorld();
    for (const params of [{ baseUrl: "http://127.0.0.1:9999/v1" }, { apiKey: "sk-mine" }, { base_url: "https://x.example.com" }]) {
      const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.member.token, json: agentBody({ llm: openai({ params }) }) });
      expectProblem(created, 400, "validation_failed");
      const [field] = Object.keys(params);
      expect(created.body["errors"]).toEqual([expect.objectContaining({ field: `body.llm.params.${String(field)}`, message: expect.stringContaining("cannot be set on an agent") })]);
    }
    const patched = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.apiKey, json: { llm: openai({ params: { baseUrl: "http://127.0.0.1:9999/v1" } }) } });
    expectProblem(patched, 400, "validation_failed");
    const tts = await call("PATCH", `/v1/agents/${w.agentId}`, {
      token: w.owner.token,
      json: { locales: [{ language: "en-US", tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", params: { baseURL: "https://evil.example.com" } } }] },
    });
    expectProblem(tts, 400, "validation_failed");
  });

  it("refuses unknown params and out-of-range values, and keeps the ones the provider takes", async () => {
    const w = await makeWorld();
    const unknown = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { llm: openai({ params: { frequencyPenalty: 1 } }) } });
    expectProblem(unknown, 400, "validation_failed");
    expect(unknown.body["errors"]).toEqual([expect.objectContaining({ field: "body.llm.params.frequencyPenalty", message: expect.stringContaining("topP") })]);
    expectProblem(await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { llm: openai({ params: { topP: 3 } }) } }), 400, "validation_failed");
    expectProblem(await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { llm: { provider: "scripted", model: "demo", params: { topP: 0.5 } } } }), 400, "validation_failed");
    const ok = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { llm: openai({ params: { topP: 0.9, maxTokens: 300 } }), stt: { provider: "deepgram", model: "nova-3", params: { smartFormat: true } } } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ llm: { params: { topP: 0.9, maxTokens: 300 } }, stt: { params: { smartFormat: true } } });
  });

  it("takes only a provider key of its own space, for the same provider", async () => {
    const w = await makeWorld();
    const own = await credential(w, "openai-compatible");
    const deepgram = await credential(w, "deepgram");
    const foreign = await credential(w, "openai-compatible", "other");
    const set = (credentialId: string) => call("PATCH", `/v1/agents/${w.agentId}`, { token: w.member.token, json: { llm: openai({ credentialId }) } });
    for (const [id, message] of [
      [foreign, "no such provider key in this space"],
      ["pcr_01jqz8k3m4n5p6q7r8s9t0v1w2", "no such provider key in this space"],
      [deepgram, "is for deepgram, not openai-compatible"],
    ] as const) {
      const res = await set(id);
      expectProblem(res, 400, "validation_failed");
      expect(res.body["errors"]).toEqual([expect.objectContaining({ field: "body.llm.credentialId", message: expect.stringContaining(message) })]);
    }
    expectProblem(await set("tol_01jqz8k3m4n5p6q7r8s9t0v1w2"), 400, "validation_failed");
    const ok = await set(own);
    expect(ok.status).toBe(200);
    expect(ok.body["llm"]).toMatchObject({ credentialId: own });
  });

  it("still loads an agent stored with an endpoint in its params, without it", async () => {
    const w = await makeWorld();
    await withDb(async (db) => {
      const [row] = await db.select({ config: agents.config }).from(agents).where(eq(agents.id, w.agentId));
      const config = { ...row?.config, llm: { provider: "openai-compatible", model: "gpt-4o-mini", params: { baseUrl: "http://127.0.0.1:9/v1", temperature: 2 } } };
      await db.update(agents).set({ config }).where(eq(agents.id, w.agentId));
    });
    const got = await call("GET", `/v1/agents/${w.agentId}`, { token: w.owner.token });
    expect(got.status).toBe(200);
    expect(got.body["llm"]).toEqual({ provider: "openai-compatible", model: "gpt-4o-mini", params: {} });
    expect((await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { name: "Still editable" } })).status).toBe(200);
    // The runtime gets no endpoint from the agent either.
    const { sessionId } = await dispatched(w);
    const config = await runtimeCall("GET", `/sessions/${sessionId}/config`);
    expect(config.status).toBe(200);
    expect(config.text).not.toContain("127.0.0.1:9");
  });

  it("gives the runtime the chosen space key with its URL only, and the Admin's endpoint for platform-key stages", async () => {
    const w = await makeWorld();
    const own = await credential(w, "openai-compatible");
    await credential(w, "openai-compatible"); // another key of the space, not chosen
    // A model of the Admin's whose platform key goes to the Admin's endpoint.
    const model = `eleven_${crypto.randomUUID().slice(0, 8)}`;
    const added = await call("POST", "/v1/catalog", { token: await mintToken({ roles: ["platform-admin"] }), json: { kind: "tts", provider: "elevenlabs", model, displayName: "Eleven (platform endpoint)", defaultParams: { baseUrl: "https://tts.platform.example/v1", stability: 0.3 } } });
    expect(added.status).toBe(201);
    const patched = await call("PATCH", `/v1/agents/${w.agentId}`, {
      token: w.owner.token,
      json: {
        llm: openai({ credentialId: own, params: { topP: 0.5 } }),
        locales: [{ language: "en-US", firstMessage: "Hi", tts: { provider: "elevenlabs", model, voice: "21m00Tcm4TlvDq8ikWAM", params: { similarityBoost: 0.9 } } }],
      },
    });
    expect(patched.status).toBe(200);
    const { sessionId } = await dispatched(w);
    const res = await runtimeCall("GET", `/sessions/${sessionId}/config`);
    expect(res.status).toBe(200);
    expect(res.body["providerAccess"]).toEqual({
      credentials: [{ id: own, provider: "openai-compatible", baseUrl: "https://api.openai.com/v1", apiKey: "key-openai-compatible-0123456789-wxyz" }],
      platformEndpoints: [{ kind: "tts", provider: "elevenlabs", model, baseUrl: "https://tts.platform.example/v1" }],
    });
    // Catalog tuning is inherited, the agent's own values win, the endpoint stays out of params.
    const locales = res.body["locales"] as { tts: { params: Record<string, unknown> } }[];
    expect(locales[0]?.tts.params).toEqual({ stability: 0.3, similarityBoost: 0.9 });
  });

  it("lets only the Admin's catalog defaults name an endpoint, checked per provider", async () => {
    const w = await makeWorld();
    const admin = await mintToken({ roles: ["platform-admin"] });
    const bad = await call("POST", "/v1/catalog", { token: admin, json: { kind: "llm", provider: "openrouter", model: `x/${crypto.randomUUID()}`, displayName: "X", defaultParams: { apiKey: "sk-no" } } });
    expectProblem(bad, 400, "validation_failed");
    const offline = await call("POST", "/v1/catalog", { token: admin, json: { kind: "llm", provider: "scripted", model: crypto.randomUUID(), displayName: "X", defaultParams: { baseUrl: "https://x.example.com" } } });
    expectProblem(offline, 400, "validation_failed");
    expect(w.spaceId).toBeTruthy();
  });

  it("refuses to roll back to a version whose provider key was deleted since", async () => {
    const w = await makeWorld();
    const own = await credential(w, "openai-compatible");
    expect((await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { llm: openai({ credentialId: own }) } })).status).toBe(200);
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    expect((await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { llm: { provider: "scripted", model: "demo" } } })).status).toBe(200);
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    expect((await call("DELETE", `/v1/provider-credentials/${own}`, { token: w.owner.token })).status).toBe(204);
    const rollback = await call("POST", `/v1/agents/${w.agentId}/versions/1/rollback`, { token: w.owner.token });
    expectProblem(rollback, 409, "conflict");
    expect(String(rollback.body["detail"])).toContain("llm.credentialId");
    expect((await call("POST", `/v1/agents/${w.agentId}/versions/2/rollback`, { token: w.owner.token })).status).toBe(200);
  });

  it("refuses, with a conflict that says why, to roll back to a version frozen under looser rules", async () => {
    const w = await makeWorld();
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    // Frozen before text had to be storable: a json column keeps a \u0000 escape that today's contracts refuse.
    await withDb((db) => db.execute(sql`update agent_versions set snapshot = replace(snapshot::text, '"systemPrompt":"', '"systemPrompt":"\\u0000')::json where agent_id = ${w.agentId}`));
    const rollback = await call("POST", `/v1/agents/${w.agentId}/versions/1/rollback`, { token: w.owner.token });
    expectProblem(rollback, 409, "conflict");
    expect(String(rollback.body["detail"])).toContain("version 1 cannot be restored");
  });
});
