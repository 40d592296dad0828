// Publishing through the pre-flight: refused with the problems in words, forced by an Owner (and
// recorded), never by anyone else; the draft's "unpublished changes"; voices checked on save.
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { agents, agentVersions } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";

const silent = { locales: [{ language: "en-US", firstMessage: "", tts: { provider: "flite", model: "flite", voice: "rms" } }] };

async function preflight(token: string, agentId: string) {
  const res = await call("GET", `/v1/agents/${agentId}/preflight`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body as unknown as { ok: boolean; problems: { code: string; field: string; message: string }[]; unpublishedChanges: boolean };
}

describe("the publish pre-flight", () => {
  it("passes the offline demo agent and refuses an agent with an empty greeting, listing the problem", async () => {
    const w = await makeWorld();
    expect(await preflight(w.member.token, w.agentId)).toMatchObject({ ok: true, problems: [], unpublishedChanges: false });
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: silent });
    const found = await preflight(w.apiKey, w.agentId);
    expect(found).toMatchObject({ ok: false, problems: [{ code: "greeting_empty", field: "locales.0.firstMessage", message: "American English (en-US) · First message: is empty; write what the agent says when the call starts" }] });
    const refused = await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: {} });
    expectProblem(refused, 422, "preflight_failed");
    expect(refused.body["problems"]).toEqual([{ code: "greeting_empty", field: "locales.0.firstMessage", language: "en-US", message: expect.stringContaining("First message") }]);
    expect(refused.body["detail"]).toBe("the agent cannot be published yet: 1 problem to fix first");
    const rows = await withDb((db) => db.select().from(agentVersions).where(eq(agentVersions.agentId, w.agentId)));
    expect(rows).toEqual([]);
  });

  it("lets an Owner publish anyway, recording the problems with the version", async () => {
    const w = await makeWorld();
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: silent });
    const forced = await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: { force: true, note: "ship it" } });
    expect(forced.status, forced.text).toBe(200);
    expect(forced.body["publishedVersion"]).toBe(1);
    const version = await call("GET", `/v1/agents/${w.agentId}/versions/1`, { token: w.member.token });
    expect(version.body["forcedProblems"]).toEqual([expect.objectContaining({ code: "greeting_empty", field: "locales.0.firstMessage" })]);
    // A clean publish records nothing.
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { locales: agentBody()["locales"] } });
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: { force: true } })).status).toBe(200);
    expect((await call("GET", `/v1/agents/${w.agentId}/versions/2`, { token: w.owner.token })).body["forcedProblems"]).toBeNull();
  });

  it("refuses force from a Member or an API key, even when nothing is wrong", async () => {
    const w = await makeWorld();
    expectProblem(await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.member.token, json: { force: true } }), 403, "forbidden");
    expectProblem(await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.apiKey, json: { force: true } }), 403, "forbidden");
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.member.token, json: {} })).status).toBe(200);
    expectProblem(await call("GET", `/v1/agents/${w.agentId}/preflight`, { token: w.outsider.token }), 404, "not_found");
  });

  it("puts a rollback through the same pre-flight: a version that went live forced is refused until an Owner forces it again", async () => {
    const w = await makeWorld();
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: silent });
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: { force: true } });
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { locales: agentBody()["locales"] } });
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: {} });
    const refused = await call("POST", `/v1/agents/${w.agentId}/versions/1/rollback`, { token: w.owner.token });
    expectProblem(refused, 422, "preflight_failed");
    expect(refused.body["problems"]).toEqual([expect.objectContaining({ code: "greeting_empty" })]);
    expectProblem(await call("POST", `/v1/agents/${w.agentId}/versions/1/rollback`, { token: w.member.token, json: { force: true } }), 403, "forbidden");
    const forced = await call("POST", `/v1/agents/${w.agentId}/versions/1/rollback`, { token: w.owner.token, json: { force: true } });
    expect(forced.status, forced.text).toBe(200);
    expect((await call("GET", `/v1/agents/${w.agentId}/versions/3`, { token: w.owner.token })).body["forcedProblems"]).toEqual([expect.objectContaining({ code: "greeting_empty" })]);
    // A clean version rolls back without anything to force.
    expect((await call("POST", `/v1/agents/${w.agentId}/versions/2/rollback`, { token: w.member.token })).status).toBe(200);
  });
});

describe("unpublished changes", () => {
  it("are false before the first publish and right after one, true once the draft moves, whatever the key order", async () => {
    const w = await makeWorld();
    expect((await preflight(w.owner.token, w.agentId)).unpublishedChanges).toBe(false);
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: {} })).status).toBe(200);
    expect((await preflight(w.owner.token, w.agentId)).unpublishedChanges).toBe(false);
    // The same configuration written back with its keys in another order is no change.
    await withDb(async (db) => {
      const [row] = await db.select().from(agents).where(eq(agents.id, w.agentId));
      const reversed = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(reversed) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
      await db.update(agents).set({ config: reversed(row?.config) as Record<string, unknown> }).where(and(eq(agents.id, w.agentId)));
    });
    expect((await preflight(w.owner.token, w.agentId)).unpublishedChanges).toBe(false);
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { systemPrompt: "Be brief with {{customer_name}} about {{order_id}}." } });
    expect((await preflight(w.owner.token, w.agentId)).unpublishedChanges).toBe(true);
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: {} });
    expect((await preflight(w.owner.token, w.agentId)).unpublishedChanges).toBe(false);
  });
});

describe("saving an agent", () => {
  it("refuses a voice that does not belong to its TTS provider, on the voice's field", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ locales: [{ language: "en-US", firstMessage: "Hi", tts: { provider: "flite", model: "flite", voice: "alloy" } }] }) });
    expectProblem(created, 400, "validation_failed");
    expect(created.body["errors"]).toEqual([{ field: "body.locales.0.tts.voice", message: '"alloy" is not a flite voice; one of rms, slt, awb, kal16, kal' }]);
    const patched = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { locales: [{ language: "en-US", firstMessage: "Hi", tts: { provider: "cartesia", model: "sonic-2", voice: "alloy" } }] } });
    expect(patched.body["errors"]).toEqual([{ field: "body.locales.0.tts.voice", message: '"alloy" is not a Cartesia voice id (a UUID)' }]);
  });

  it("still loads an agent stored with such a voice, and the pre-flight names it", async () => {
    const w = await makeWorld();
    await withDb(async (db) => {
      const [row] = await db.select().from(agents).where(eq(agents.id, w.agentId));
      const config = { ...row?.config, locales: [{ language: "en-US", firstMessage: "Hi", tts: { provider: "flite", model: "flite", voice: "alloy", params: {} }, speed: 1 }] };
      await db.update(agents).set({ config }).where(eq(agents.id, w.agentId));
    });
    const got = await call("GET", `/v1/agents/${w.agentId}`, { token: w.owner.token });
    expect(got.status).toBe(200);
    expect((await preflight(w.owner.token, w.agentId)).problems).toEqual([expect.objectContaining({ code: "voice_unknown", field: "locales.0.tts.voice", message: 'American English (en-US) · Voice: "alloy" is not a flite voice; one of rms, slt, awb, kal16, kal' })]);
  });
});
