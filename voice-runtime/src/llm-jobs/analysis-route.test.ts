// POST /v1/analysis on the runtime's real HTTP server (the local media server) with the LLM from the
// provider registry pointed at the local OpenAI-compatible server: the forced record_analysis call
// built from the settings, its mapping (score ≥ passScore passes), retries of a malformed answer,
// and the refusals (token, agent, scripted LLM, unusable answers, a space key the guard refuses).
import { signRuntimeJobToken, signGreetingWarmToken } from "@speaknode/tokens";
import type { AnalysisRequest } from "@speaknode/contracts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OpenAICompatibleServer } from "../../test/openai-compatible-server.ts";
import { setLogLevel } from "../log.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { testTokenSecret } from "../transport/local/testing.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { createAnalysisRoute } from "./analysis-route.ts";

setLogLevel("error");

const spaceId = "spc_00000000000000000000000001";
const agentId = "agt_00000000000000000000000001";
const sessionId = "ses_00000000000000000000000001";

let llm: OpenAICompatibleServer;
let server: LocalMediaServer;
let base: string;

beforeAll(async () => {
  llm = await OpenAICompatibleServer.start();
  const keys = { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: "platform-key", llmBaseUrl: `${llm.url}/v1`, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined };
  const providers = new ProviderRegistry(keys, {}, { allowPrivateHosts: [] });
  const route = createAnalysisRoute({ tokenSecret: testTokenSecret, providers });
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: () => {}, onRequest: route.handleRequest });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  await llm.close();
});
beforeEach(() => {
  llm.requests.length = 0;
});

const settings: AnalysisRequest["settings"] = {
  summaryPrompt: "Say in one sentence what the caller wanted.",
  structuredData: {
    type: "object",
    properties: { order_found: { type: "boolean" }, topic: { type: "string", enum: ["order", "refund", "other"] } },
    required: ["topic"],
  },
  success: { kind: "score", rubric: "The agent told the caller where the order is.", scoreMax: 10, passScore: 7 },
};

function request(overrides: Partial<AnalysisRequest> = {}): AnalysisRequest {
  return {
    sessionId,
    agentId,
    llm: { provider: "openai-compatible", model: "gpt-4.1-mini", params: {}, credentialId: null },
    providerAccess: { credentials: [], platformEndpoints: [] },
    settings,
    language: "en-US",
    transcript: [
      { role: "agent", text: "Hello, how can I help?" },
      { role: "user", text: "Where is my order 42?" },
      { role: "agent", text: "It ships tomorrow." },
    ],
    toolCalls: [{ name: "check_order", request: { order_id: "42" }, status: "ok" }],
    endReason: "caller_hung_up",
    durationSeconds: 31,
    ...overrides,
  };
}

async function analyse(body: unknown, token?: string | null): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const bearer = token === undefined ? await signRuntimeJobToken(testTokenSecret, "analysis", { spaceId, agentId, ttlS: 60 }) : token;
  if (bearer !== null) headers["authorization"] = `Bearer ${bearer}`;
  return fetch(`${base}/v1/analysis`, { method: "POST", headers, body: JSON.stringify(body) });
}

const chatBodies = () => llm.requestsTo("/v1/chat/completions").map((r) => r.body as Record<string, unknown>);
const good = { summary: "The caller asked where order 42 is.", data: { order_found: true, topic: "order" }, success: { score: 8, reason: "It said when the order ships." } };

describe("the analysis route", () => {
  it("forces record_analysis with the settings' schema at temperature 0 and answers the mapped output", async () => {
    llm.enqueueCompletion({ toolCalls: [{ name: "record_analysis", arguments: good }], usage: { promptTokens: 120, completionTokens: 30 } });
    const res = await analyse(request());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      output: { summary: good.summary, data: good.data, success: { passed: true, score: 8, reason: good.success.reason } },
      model: "openai-compatible/gpt-4.1-mini",
      attempts: 1,
      usage: { prompt: 120, completion: 30 },
    });
    const [body] = chatBodies();
    expect(body?.["tool_choice"]).toEqual({ type: "function", function: { name: "record_analysis" } });
    expect(body?.["temperature"]).toBe(0);
    const tools = body?.["tools"] as { function: { name: string; parameters: Record<string, unknown> } }[];
    const parameters = tools[0]?.function.parameters as { properties: Record<string, { properties?: Record<string, unknown> }>; required: string[] };
    expect(parameters.required).toEqual(["summary", "data", "success"]);
    expect(parameters.properties["data"]?.properties?.["topic"]).toEqual({ type: "string", enum: ["order", "refund", "other"] });
    expect(parameters.properties["success"]?.properties?.["score"]).toMatchObject({ type: "integer", minimum: 1, maximum: 10 });
    const prompt = JSON.stringify(body?.["messages"]);
    for (const part of ["Caller: Where is my order 42?", "Agent: It ships tomorrow.", "check_order", "Say in one sentence what the caller wanted.", "The agent told the caller where the order is."]) expect(prompt).toContain(part);
  });

  it("counts a score below passScore as not passed, and asks only for what the settings want", async () => {
    const passFailOnly = { ...settings, summaryPrompt: "", structuredData: { type: "object" as const, properties: {}, required: [] }, success: { ...settings.success, kind: "score" as const, passScore: 9 } };
    llm.enqueueCompletion({ toolCalls: [{ name: "record_analysis", arguments: { success: { score: 8, reason: "Close." } } }] });
    const res = await analyse(request({ settings: passFailOnly }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({ summary: null, data: null, success: { passed: false, score: 8, reason: "Close." } });
    const tools = chatBodies()[0]?.["tools"] as { function: { parameters: { required: string[] } } }[];
    expect(tools[0]?.function.parameters.required).toEqual(["success"]);
  });

  it("asks again when the answer breaks the schema (an enum value it does not have)", async () => {
    llm.enqueueCompletion({ toolCalls: [{ name: "record_analysis", arguments: { ...good, data: { topic: "weather" } } }] }, { toolCalls: [{ name: "record_analysis", arguments: good }] });
    const res = await analyse(request());
    expect(res.status).toBe(200);
    expect(((await res.json()) as { attempts: number }).attempts).toBe(2);
  });

  it("answers 422 analysis_unusable when no answer fits after the retries", async () => {
    llm.enqueueCompletion({ text: "It went fine." }, { text: "Fine." }, { text: "Really fine." });
    const res = await analyse(request());
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe("analysis_unusable");
    expect(problem.detail).toContain("called no tool");
    expect(problem.detail).not.toContain("fine");
  });

  it("refuses the offline scripted LLM with 422 analysis_not_supported, asking nothing of any model", async () => {
    const res = await analyse(request({ llm: { provider: "scripted", model: "scripted", params: {}, credentialId: null } }));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe("analysis_not_supported");
    expect(chatBodies()).toEqual([]);
  });

  it("answers 503 provider_unavailable for a space key the endpoint guard refuses (a private address)", async () => {
    const credential = { id: "pcr_00000000000000000000000001", provider: "openai-compatible", apiKey: "space-key", baseUrl: `${llm.url}/v1` };
    const res = await analyse(request({ llm: { provider: "openai-compatible", model: "m", params: {}, credentialId: credential.id }, providerAccess: { credentials: [credential], platformEndpoints: [] } }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe("provider_unavailable");
    expect(chatBodies()).toEqual([]);
  });

  it("takes only an analysis job token for the request's agent", async () => {
    expect((await analyse(request(), null)).status).toBe(401);
    expect((await analyse(request(), await signGreetingWarmToken(testTokenSecret, { spaceId, agentId, ttlS: 60 }))).status).toBe(401);
    expect((await analyse(request(), await signRuntimeJobToken(testTokenSecret, "agent-tests", { spaceId, agentId, ttlS: 60 }))).status).toBe(401);
    const other = await analyse(request(), await signRuntimeJobToken(testTokenSecret, "analysis", { spaceId, agentId: "agt_00000000000000000000000002", ttlS: 60 }));
    expect(other.status).toBe(403);
    expect((await analyse({ ...request(), transcript: "nope" })).status).toBe(400);
    expect(chatBodies()).toEqual([]);
  });
});
