// Post-call analysis end to end on the local stack: the voice runtime's platform LLM is a local
// OpenAI-compatible server (voice-runtime/test/openai-compatible-server.ts) that answers the
// conversation's completions with plain text and the forced record_analysis call with a tool call.
// An agent copied from the demo agent, on `openai-compatible` with analysis settings, takes a real
// web call (flite speaks, pocketsphinx hears): the session's detail shows the completed analysis
// with the fake LLM's data, and call.analysis.ready reaches the dev webhook inbox with the same
// analysis. The same agent on the offline scripted LLM gets "not configured" with its reason.
// The Worker serves build/public: build first (`npx node scripts/build.ts`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analysisNotConfiguredReasons, type Agent, type DevInboxMessage, type SessionAnalysis } from "@speaknode/contracts";
import { demoAgentId } from "@speaknode/db";
import { OpenAICompatibleServer } from "../voice-runtime/test/openai-compatible-server.ts";
import { inbox } from "./dev-inbox.ts";
import { finishedWebCall } from "./web-call.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-analysis-"));
const box = "analysis-e2e";

const settings = {
  summaryPrompt: "Say in one sentence what the caller wanted.",
  structuredData: { type: "object", properties: { topic: { type: "string", enum: ["opening_hours", "order", "other"] }, resolved: { type: "boolean" } }, required: ["topic"] },
  success: { kind: "score", rubric: "The caller learnt what they asked for.", scoreMax: 10, passScore: 7 },
};
/** What the fake LLM records for every analysis. */
const recorded = { summary: "The caller asked for the opening hours.", data: { topic: "opening_hours", resolved: true }, success: { score: 9, reason: "The agent gave the hours." } };

let llm: OpenAICompatibleServer;
let stack: LocalStack;
let ownerToken = "";

beforeAll(async () => {
  llm = await OpenAICompatibleServer.start();
  // The conversation's replies are plain text; the analysis is the one request forcing a tool.
  llm.respondWith((body) => {
    const choice = body["tool_choice"] as { function?: { name?: string } } | undefined;
    if (choice?.function?.name === "record_analysis") return { toolCalls: [{ name: "record_analysis", arguments: recorded }] };
    return { text: "We are open from nine to five, Monday to Friday." };
  });
  stack = await startLocalStack({
    port: await freePort(),
    workDir: join(scratch, "stack"),
    quiet: true,
    runtimeMediaPort: await freePort(),
    runtimeEnv: { LLM_BASE_URL: `${llm.url}/v1`, LLM_API_KEY: "fake-llm-key" },
  });
  ownerToken = await token(stack.url);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await llm?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function api<T>(method: string, path: string, body?: unknown, status?: number): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (status ? res.status !== status : !res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A published copy of the demo agent with the analysis settings on this LLM. */
async function publishedAgent(name: string, llmChoice: { provider: string; model: string }): Promise<string> {
  const demo = await api<Agent>("GET", `/v1/agents/${demoAgentId}`);
  const { id: _id, spaceId: _space, version: _version, published: _published, publishedVersion: _publishedVersion, createdAt: _created, updatedAt: _updated, ...config } = demo;
  const created = await api<Agent>("POST", `/v1/spaces/${stack.demoSpaceId}/agents`, { ...config, name, llm: { ...llmChoice, params: {} }, analysis: settings }, 201);
  await api<Agent>("POST", `/v1/agents/${created.id}/publish`, {}, 200);
  return created.id;
}

const call = (agentId: string) => finishedWebCall({ url: stack.url, agentId, scratch, statusOf: async (id) => (await api<{ status: string }>("GET", `/v1/sessions/${id}`)).status });

/** The part of GET /v1/sessions/{id} read here. */
type SessionDetail = { analysisDetail: SessionAnalysis };

const sessionOf = (m: DevInboxMessage) => (JSON.parse(m.body) as { data?: { sessionId?: string } }).data?.sessionId;

describe("post-call analysis on the local stack", () => {
  it("analyses a real call with the agent's LLM: the session shows it, and call.analysis.ready delivers the same", async () => {
    await api("POST", `/v1/spaces/${stack.demoSpaceId}/webhooks/endpoints`, { url: `${stack.url}/dev/webhook-inbox/${box}`, description: "analysis e2e", eventTypes: ["session.completed", "call.analysis.ready"] }, 201);
    const agentId = await publishedAgent("Analysed agent", { provider: "openai-compatible", model: "gpt-4o-mini" });
    const sessionId = await call(agentId);

    const detail = await expect
      .poll(async () => (await api<SessionDetail>("GET", `/v1/sessions/${sessionId}`)).analysisDetail.status, { timeout: 60_000, interval: 500 })
      .toBe("completed")
      .then(() => api<SessionDetail>("GET", `/v1/sessions/${sessionId}`));
    expect(detail.analysisDetail).toMatchObject({
      status: "completed",
      reason: null,
      result: { summary: recorded.summary, data: recorded.data, success: { passed: true, score: 9, reason: recorded.success.reason } },
      attempts: 1,
      model: "openai-compatible/gpt-4o-mini",
    });
    // The analysis saw the call's own words (what pocketsphinx heard of the question, the fake LLM's reply).
    const analysisRequest = llm.requestsTo("/v1/chat/completions").find((r) => JSON.stringify(r.body).includes("record_analysis"));
    expect(JSON.stringify(analysisRequest?.body)).toContain("Agent: We are open from nine to five");
    expect(JSON.stringify(analysisRequest?.body)).toContain("Say in one sentence what the caller wanted.");

    await expect.poll(async () => (await inbox(stack.url, box)).filter((m) => sessionOf(m) === sessionId).map((m) => m.eventType).sort(), { timeout: 30_000, interval: 250 }).toEqual(["call.analysis.ready", "session.completed"]);
    const messages = (await inbox(stack.url, box)).filter((m) => sessionOf(m) === sessionId);
    const ready = JSON.parse(messages.find((m) => m.eventType === "call.analysis.ready")!.body) as { data: Record<string, unknown> };
    expect(ready.data).toEqual({ sessionId, agentId, campaignId: null, campaignItemId: null, analysis: detail.analysisDetail });
    const completed = JSON.parse(messages.find((m) => m.eventType === "session.completed")!.body) as { data: Record<string, unknown> };
    expect(completed.data["analysisStatus"]).toBe("pending");
  });

  it("leaves a call of the same agent on the offline scripted LLM 'not configured', with the reason", async () => {
    const agentId = await publishedAgent("Scripted agent", { provider: "scripted", model: "demo" });
    const before = llm.requestsTo("/v1/chat/completions").length;
    const sessionId = await call(agentId);
    const detail = await api<SessionDetail>("GET", `/v1/sessions/${sessionId}`);
    expect(detail.analysisDetail).toMatchObject({ status: "not_configured", reason: analysisNotConfiguredReasons.scriptedLlm, result: null });
    expect(llm.requestsTo("/v1/chat/completions").length).toBe(before);
  });
});
