import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions } from "@speaknode/db";
import { agentBody } from "../../test/fixtures.ts";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { dispatched, runtimeCall } from "../runtime/testing.ts";

/** Attaches the world's webhook tool, an end_call and a transfer to a second agent, "Billing". */
async function withTools(w: World): Promise<{ billingId: string }> {
  const billing = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ name: "Billing" }) });
  const billingId = String(billing.body["id"]);
  const tools = [
    { type: "webhook", toolId: w.toolId },
    { type: "system", name: "transfer_to_agent", targets: [{ agentId: billingId, when: "the caller asks about invoices" }] },
    { type: "system", name: "end_call" },
  ];
  const patched = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { tools } });
  if (patched.status !== 200) throw new Error(`attaching tools failed: ${patched.text}`);
  return { billingId };
}

describe("runtime API: session config", () => {
  it("renders a draft session's prompt and first message with its variables and decrypts the tool's secret headers", async () => {
    const w = await makeWorld();
    const { billingId } = await withTools(w);
    const { sessionId } = await dispatched(w, { variables: { customer_name: "Ada", order_id: 42 } });
    const res = await runtimeCall("GET", `/sessions/${sessionId}/config`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body).toMatchObject({
      sessionId,
      spaceId: w.spaceId,
      agentId: w.agentId,
      agentVersion: null,
      draftVersion: 2,
      status: "dispatching",
      language: "en-US",
      variables: { customer_name: "Ada", order_id: 42 },
      agent: { name: "Support agent", systemPrompt: "Help Ada with order 42.", temperature: 0.3, llm: { provider: "scripted", model: "demo" }, vad: { model: "silero" } },
      locales: [{ language: "en-US", firstMessage: "Hi Ada!", tts: { provider: "flite", voice: "rms" } }],
      transferTargets: [{ agentId: billingId, name: "Billing", published: false }],
    });
    const tools = res.body["tools"] as Record<string, unknown>[];
    expect(tools).toHaveLength(3);
    expect(tools[0]).toMatchObject({ type: "webhook", id: w.toolId, code: w.toolCode, method: "GET", secretHeaders: { Authorization: "Bearer shop-secret-123" }, preToolSpeech: "Let me check that for you." });
    // URL templates stay templates: arguments arrive only with the call.
    expect(tools[0]?.["url"]).toBe("https://shop.example.test/orders/{orderId}?customer={{customer_name}}");
    expect(tools[1]).toEqual({ type: "system", name: "transfer_to_agent", description: expect.any(String), targets: [{ agentId: billingId, name: "Billing", when: "the caller asks about invoices" }], destinations: [] });
    expect(tools[2]).toMatchObject({ type: "system", name: "end_call", targets: [] });
  });

  it("gives a phone session its call, the rendered voicemail message and the transfer destinations; a web session no phone", async () => {
    const w = await makeWorld();
    const tools = [{ type: "system", name: "transfer_to_number", destinations: [{ name: "billing desk", number: "+14155550123", when: "the caller asks about invoices", announcement: "Connecting you, {{customer_name}}." }] }];
    const telephony = { voicemail: { action: "leave_message", message: "Hi {{customer_name}}, please call us back." } };
    const patched = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { tools, telephony } });
    expect(patched.status).toBe(200);
    const web = await dispatched(w, { variables: { customer_name: "Ada", order_id: 42 } });
    expect((await runtimeCall("GET", `/sessions/${web.sessionId}/config`)).body["phone"]).toBeNull();
    const { sessionId } = await dispatched(w, { variables: { customer_name: "Ada", order_id: 42 } });
    await withDb((db) => db.update(sessions).set({ channel: "phone", direction: "outbound", fromNumber: "+15555550100", toNumber: "+14155550199", providerCallId: "CA0123" }).where(eq(sessions.id, sessionId)));
    const res = await runtimeCall("GET", `/sessions/${sessionId}/config`);
    expect(res.status).toBe(200);
    expect(res.body["phone"]).toEqual({
      provider: "twilio",
      direction: "outbound",
      from: "+15555550100",
      to: "+14155550199",
      providerCallId: "CA0123",
      recordingEnabled: true,
      voicemail: { action: "leave_message", message: "Hi Ada, please call us back." },
    });
    expect((res.body["tools"] as Record<string, unknown>[])[0]).toMatchObject({
      name: "transfer_to_number",
      destinations: [{ name: "billing desk", number: "+14155550123", when: "the caller asks about invoices", announcement: "Connecting you, Ada." }],
    });
  });

  it("serves the published snapshot a session was dispatched with, with the tool's current secret", async () => {
    const w = await makeWorld();
    await withTools(w);
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    // After publishing: a new draft prompt (not served) and a rotated secret (served).
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { systemPrompt: "Draft prompt for {{customer_name}} {{order_id}}" } });
    await call("PATCH", `/v1/tools/${w.toolId}`, { token: w.owner.token, json: { description: "Changed after publishing", secretHeaders: { Authorization: "Bearer rotated-456" } } });
    const { sessionId } = await dispatched(w);
    const res = await runtimeCall("GET", `/sessions/${sessionId}/config`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ agentVersion: 1, draftVersion: null, agent: { systemPrompt: "Help there with order 42." } });
    const [webhook] = res.body["tools"] as Record<string, unknown>[];
    expect(webhook).toMatchObject({ description: "Look up the status of an order", secretHeaders: { Authorization: "Bearer rotated-456" } });
  });

  it("answers 404 for an unknown session and 400 naming the path for a malformed id", async () => {
    expectProblem(await runtimeCall("GET", "/sessions/ses_01jqz8k3m4n5p6q7r8s9t0v1w2/config"), 404, "not_found");
    const bad = await runtimeCall("GET", "/sessions/not-a-session/config");
    expectProblem(bad, 400, "validation_failed");
    expect(bad.body["errors"]).toEqual([expect.objectContaining({ field: "path.sessionId" })]);
  });

  it("answers 410 once the session's agent was deleted", async () => {
    const { world: w, sessionId } = await dispatched();
    expect((await call("DELETE", `/v1/agents/${w.agentId}`, { token: w.owner.token })).status).toBe(204);
    expectProblem(await runtimeCall("GET", `/sessions/${sessionId}/config`), 410, "gone");
  });

  it("serves a transfer target's published configuration rendered with the session's variables", async () => {
    const w = await makeWorld();
    const { billingId } = await withTools(w);
    const { sessionId } = await dispatched(w, { variables: { customer_name: "Ada", order_id: 7 } });
    const path = `/sessions/${sessionId}/transfer-targets/${billingId}/config`;
    // Not published yet: nothing to hand over to.
    expectProblem(await runtimeCall("GET", path), 409, "conflict");
    await call("PATCH", `/v1/agents/${billingId}`, { token: w.owner.token, json: { systemPrompt: "Billing help for {{customer_name}}." } });
    expect((await call("POST", `/v1/agents/${billingId}/publish`, { token: w.owner.token })).status).toBe(200);
    const res = await runtimeCall("GET", path);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sessionId, agentId: billingId, agentVersion: 1, draftVersion: null, variables: { customer_name: "Ada", order_id: 7 }, agent: { name: "Billing", systemPrompt: "Billing help for Ada." } });
  });

  it("refuses agents that are not among the session's transfer targets", async () => {
    const w = await makeWorld();
    await withTools(w);
    const { sessionId } = await dispatched(w);
    expectProblem(await runtimeCall("GET", `/sessions/${sessionId}/transfer-targets/${w.otherAgentId}/config`), 409, "conflict");
    expectProblem(await runtimeCall("GET", `/sessions/${sessionId}/transfer-targets/agt_00000000000000000000000000/config`), 409, "conflict");
  });
});
