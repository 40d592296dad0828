// The Worker's call to the voice runtime's POST /v1/analysis (contracts' runtime-jobs.ts) with a
// short-lived analysis job token bound to the agent. The answer is the checked AnalysisResponse, or
// a failure saying whether another try may help: the runtime unreachable, a timeout, a 5xx, a 408
// or 429, and `analysis_unusable` (the model's answers did not fit, another try may) are
// retryable; any other refusal (the scripted LLM, a bad request, a token the runtime refuses) is not.
import { AnalysisResponse, analysisPath, type AnalysisRequest } from "@speaknode/contracts";
import { signRuntimeJobToken } from "@speaknode/tokens";

/** The runtime tries the model up to three times, 60 s each at most. */
const runtimeTimeoutMs = 200_000;

export type AnalysisCallResult = { ok: true; response: AnalysisResponse } | { ok: false; retryable: boolean; reason: string };

/** What the consumer calls; tests pass their own. */
export type AnalyseSession = (request: AnalysisRequest, claims: { spaceId: string }) => Promise<AnalysisCallResult>;

export function runtimeAnalyser(runtime: { httpUrl: string; tokenSecret: string }, fetchImpl: typeof fetch = fetch): AnalyseSession {
  return async (request, { spaceId }) => {
    const token = await signRuntimeJobToken(runtime.tokenSecret, "analysis", { spaceId, agentId: request.agentId, ttlS: 300 });
    let res: Response;
    try {
      res = await fetchImpl(`${runtime.httpUrl}${analysisPath}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(runtimeTimeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      return { ok: false, retryable: true, reason: timedOut ? `The voice runtime did not answer within ${runtimeTimeoutMs / 1000} s.` : "The voice runtime is unreachable." };
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    if (res.ok) {
      const parsed = AnalysisResponse.safeParse(body);
      return parsed.success ? { ok: true, response: parsed.data } : { ok: false, retryable: true, reason: "The voice runtime's answer was not an analysis." };
    }
    const problem = (body ?? {}) as { code?: unknown; detail?: unknown; message?: unknown };
    const code = typeof problem.code === "string" ? problem.code : `http_${res.status}`;
    const detail = typeof problem.detail === "string" ? problem.detail : typeof problem.message === "string" ? problem.message : `HTTP ${res.status}`;
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429 || code === "analysis_unusable";
    return { ok: false, retryable, reason: `${detail} (${code})`.slice(0, 900) };
  };
}
