import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { agents } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb } from "../../test/helpers.ts";
import { agentBody, toolBody } from "../../test/fixtures.ts";

async function createAgent(token: string, spaceId: string, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", `/v1/spaces/${spaceId}/agents`, { token, json: agentBody(overrides) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res;
}

describe("agents: happy paths", () => {
  it("creates an agent with defaults filled in, an ETag, and a warning for an unused variable", async () => {
    const w = await makeWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/agents`, {
      token: w.member.token,
      json: agentBody({ variables: { type: "object", properties: { customer_name: { type: "string" }, order_id: { type: "integer" }, unused_one: { type: "boolean" } }, required: [] } }),
    });
    expect(res.status).toBe(201);
    expect(String(res.body["id"])).toMatch(/^agt_/);
    expect(res.body).toMatchObject({ name: "Support agent", version: 1, published: false, publishedVersion: null, autoDetectLanguage: false, maxTokensPerConversation: null });
    expect(res.body["vad"]).toMatchObject({ model: "silero", activationThreshold: 0.5, allowInterruptionsDuringFirstMessage: true });
    expect(res.body["locales"]).toEqual([expect.objectContaining({ speed: 1, background: { sound: "none", volume: 0.2 } })]);
    expect(res.headers.get("etag")).toBe('"1"');
    expect(res.body["warnings"]).toEqual([{ field: "body.variables.properties.unused_one", message: 'variable "unused_one" is declared but used nowhere' }]);
  });

  it("lists with search and the published filter", async () => {
    const w = await makeWorld();
    await createAgent(w.owner.token, w.spaceId, { name: "Billing 50% helper" });
    const sales = await createAgent(w.owner.token, w.spaceId, { name: "Sales" });
    await call("POST", `/v1/agents/${String(sales.body["id"])}/publish`, { token: w.owner.token });
    const found = await call("GET", `/v1/spaces/${w.spaceId}/agents?search=50%25`, { token: w.apiKey });
    expect(found.body.data?.map((a) => a["name"])).toEqual(["Billing 50% helper"]);
    const published = await call("GET", `/v1/spaces/${w.spaceId}/agents?published=true`, { token: w.owner.token });
    expect(published.body.data?.map((a) => a["name"])).toEqual(["Sales"]);
  });

  it("updates with If-Match and refuses a stale ETag with 412 without writing", async () => {
    const w = await makeWorld();
    const created = await createAgent(w.owner.token, w.spaceId);
    const id = String(created.body["id"]);
    const ok = await call("PATCH", `/v1/agents/${id}`, { token: w.owner.token, json: { temperature: 0 }, headers: { "if-match": '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ temperature: 0, version: 2, name: "Support agent" });
    expect(ok.headers.get("etag")).toBe('"2"');
    const stale = await call("PATCH", `/v1/agents/${id}`, { token: w.owner.token, json: { name: "Lost update" }, headers: { "if-match": '"1"' } });
    expectProblem(stale, 412, "precondition_failed");
    const [row] = await withDb((db) => db.select().from(agents).where(eq(agents.id, id)));
    expect(row?.name).toBe("Support agent");
    expect(row?.version).toBe(2);
  });

  it("a PATCH leaves fields it does not name as they were (no defaults re-applied)", async () => {
    const w = await makeWorld();
    const created = await createAgent(w.owner.token, w.spaceId, { autoDetectLanguage: true, temperature: 0.9 });
    const res = await call("PATCH", `/v1/agents/${String(created.body["id"])}`, { token: w.owner.token, json: { name: "Renamed" } });
    expect(res.body).toMatchObject({ name: "Renamed", autoDetectLanguage: true, temperature: 0.9 });
  });

  it("duplicates deeply as an unpublished Copy of …, cut to 50 characters", async () => {
    const w = await makeWorld();
    const tool = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody() });
    const created = await createAgent(w.owner.token, w.spaceId, { name: "A".repeat(48), tools: [{ type: "webhook", toolId: tool.body["id"] }, { type: "system", name: "end_call" }] });
    await call("POST", `/v1/agents/${String(created.body["id"])}/publish`, { token: w.owner.token });
    const copy = await call("POST", `/v1/agents/${String(created.body["id"])}/duplicate`, { token: w.member.token });
    expect(copy.status).toBe(201);
    expect(copy.body["name"]).toBe(`Copy of ${"A".repeat(42)}`);
    expect(String(copy.body["name"]).length).toBe(50);
    expect(copy.body).toMatchObject({ published: false, publishedVersion: null, version: 1, locales: created.body["locales"], variables: created.body["variables"], tools: created.body["tools"] });
    expect(copy.body["id"]).not.toBe(created.body["id"]);
    // The copy holds the tool too: it cannot be deleted while either uses it.
    await call("PATCH", `/v1/agents/${String(created.body["id"])}`, { token: w.owner.token, json: { tools: [] } });
    expectProblem(await call("DELETE", `/v1/tools/${String(tool.body["id"])}`, { token: w.owner.token }), 409, "conflict");
  });

  it("publishes immutable versions, serves the published one publicly, and rolls back", async () => {
    const w = await makeWorld();
    const created = await createAgent(w.owner.token, w.spaceId, { widget: { launcherText: "Call us" } });
    const id = String(created.body["id"]);
    expectProblem(await call("GET", `/public/agents/${id}/widget`), 404, "not_found");
    const v1 = await call("POST", `/v1/agents/${id}/publish`, { token: w.owner.token, json: { note: "first" } });
    expect(v1.body).toMatchObject({ published: true, publishedVersion: 1 });
    await call("PATCH", `/v1/agents/${id}`, { token: w.owner.token, json: { systemPrompt: "New prompt for {{customer_name}} and {{order_id}}", widget: { launcherText: "Talk now" } } });
    // The public config is the published snapshot, not the draft.
    const pub1 = await call("GET", `/public/agents/${id}/widget`);
    expect(pub1.status).toBe(200);
    expect(pub1.body).toMatchObject({ agentId: id, displayName: "Support agent", launcherText: "Call us", version: 1, languages: [{ language: "en-US", default: true }] });
    expect(pub1.body["acceptsVariables"]).toEqual([{ name: "customer_name", type: "string" }, { name: "order_id", type: "integer" }]);
    expect(pub1.headers.get("access-control-allow-origin")).toBe("*");
    expect(pub1.headers.get("cache-control")).toContain("max-age");
    const etag = pub1.headers.get("etag") ?? "";
    expect((await call("GET", `/public/agents/${id}/widget`, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect(JSON.stringify(pub1.body)).not.toContain("Help {{customer_name}}");

    await call("POST", `/v1/agents/${id}/publish`, { token: w.owner.token });
    expect((await call("GET", `/public/agents/${id}/widget`)).body["launcherText"]).toBe("Talk now");
    const versions = await call("GET", `/v1/agents/${id}/versions`, { token: w.member.token });
    expect(versions.body.data?.map((v) => [v["version"], v["note"]])).toEqual([[2, null], [1, "first"]]);
    const one = await call("GET", `/v1/agents/${id}/versions/1`, { token: w.member.token });
    expect((one.body["snapshot"] as { agent: { systemPrompt: string } }).agent.systemPrompt).toBe("Help {{customer_name}} with order {{order_id}}.");

    const rolled = await call("POST", `/v1/agents/${id}/versions/1/rollback`, { token: w.owner.token });
    expect(rolled.body).toMatchObject({ publishedVersion: 3 });
    expect((await call("GET", `/public/agents/${id}/widget`)).body).toMatchObject({ launcherText: "Call us", version: 3 });
    expectProblem(await call("GET", `/v1/agents/${id}/versions/9`, { token: w.owner.token }), 404, "not_found");

    await call("POST", `/v1/agents/${id}/unpublish`, { token: w.owner.token });
    expectProblem(await call("GET", `/public/agents/${id}/widget`), 404, "not_found");
    expect((await call("DELETE", `/v1/agents/${id}`, { token: w.owner.token })).status).toBe(204);
    expectProblem(await call("GET", `/v1/agents/${id}`, { token: w.owner.token }), 404, "not_found");
  });

  it("attaches system tools by name, like webhook tools", async () => {
    const w = await makeWorld();
    const created = await createAgent(w.owner.token, w.spaceId, { tools: [{ type: "system", name: "end_call" }, { type: "system", name: "switch_language" }] });
    expect(created.body["tools"]).toEqual([{ type: "system", name: "end_call" }, { type: "system", name: "switch_language" }]);
  });
});
