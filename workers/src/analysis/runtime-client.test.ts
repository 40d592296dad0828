// The Worker's call to the runtime's POST /v1/analysis with a fake fetch: an analysis job token for
// the request's agent, the answer checked, and which refusals another try may fix.
import { verifyRuntimeJobToken } from "@speaknode/tokens";
import { describe, expect, it } from "vitest";
import type { AnalysisRequest } from "@speaknode/contracts";
import { runtimeAnalyser } from "./runtime-client.ts";
import { analysisSettings, goodResponse } from "./testing.ts";

const secret = "test-runtime-token-secret-of-32-chars!";
const request = {
  sessionId: "ses_00000000000000000000000001",
  agentId: "agt_00000000000000000000000001",
  llm: { provider: "openai-compatible", model: "gpt-4o-mini", params: {}, credentialId: null },
  providerAccess: { credentials: [], platformEndpoints: [] },
  settings: analysisSettings,
  language: "en-US",
  transcript: [{ role: "user", text: "Hello" }],
  toolCalls: [],
  endReason: null,
  durationSeconds: 3,
} as unknown as AnalysisRequest;

function answering(status: number, body: unknown) {
  const seen: Request[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new Request(input, init));
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  return { seen, analyse: runtimeAnalyser({ httpUrl: "http://runtime.test", tokenSecret: secret }, fetchImpl) };
}

const problem = (status: number, code: string) => ({ type: "about:blank", title: code, status, code, detail: `detail of ${code}` });

describe("the runtime analyser", () => {
  it("posts the request with an analysis job token for its agent and returns the checked answer", async () => {
    const { seen, analyse } = answering(200, goodResponse);
    expect(await analyse(request, { spaceId: "spc_00000000000000000000000001" })).toEqual({ ok: true, response: goodResponse });
    const [sent] = seen;
    expect(sent?.url).toBe("http://runtime.test/v1/analysis");
    const token = sent?.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    expect(await verifyRuntimeJobToken(secret, "analysis", token)).toEqual({ spaceId: "spc_00000000000000000000000001", agentId: request.agentId });
    expect(await verifyRuntimeJobToken(secret, "agent-tests", token)).toBeNull();
    expect(await sent?.json()).toMatchObject({ sessionId: request.sessionId, transcript: request.transcript });
  });

  it("retries unusable answers, 5xx and unreachable runtimes, but not a refusal for good", async () => {
    const claims = { spaceId: "spc_00000000000000000000000001" };
    expect(await answering(422, problem(422, "analysis_unusable")).analyse(request, claims)).toMatchObject({ ok: false, retryable: true, reason: "detail of analysis_unusable (analysis_unusable)" });
    expect(await answering(503, problem(503, "provider_unavailable")).analyse(request, claims)).toMatchObject({ ok: false, retryable: true });
    expect(await answering(422, problem(422, "analysis_not_supported")).analyse(request, claims)).toMatchObject({ ok: false, retryable: false });
    expect(await answering(200, { output: "nonsense" }).analyse(request, claims)).toMatchObject({ ok: false, retryable: true });
    const unreachable = runtimeAnalyser({ httpUrl: "http://runtime.test", tokenSecret: secret }, (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch);
    expect(await unreachable(request, claims)).toEqual({ ok: false, retryable: true, reason: "The voice runtime is unreachable." });
  });
});
