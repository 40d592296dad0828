// POST /v1/analysis on the runtime's HTTP server: the Worker's analysis queue consumer sends one
// finished session's transcript, tool calls and the agent version's analysis settings, LLM choice
// and provider access; the runtime runs the analysis (analysis.ts) with that LLM from the same
// provider registry a session uses (a space key goes to its own vetted base URL only) and answers
// the AnalysisResponse. Only the Worker calls it, with a short-lived job token of scope "analysis"
// bound to the agent (@speaknode/tokens). Refusals are problem+json: 401 token, 403 another
// agent's token, 400/413 body, 422 `analysis_not_supported` (the offline scripted LLM would
// fabricate an analysis) or `analysis_unusable` (no answer of the model fit the schema), 503
// `provider_unavailable`. Logs carry ids and counts only: never the transcript or the output.
import type { IncomingMessage, ServerResponse } from "node:http";
import { AnalysisRequest, analysisPath, analysisRequested, type AnalysisResponse } from "@speaknode/contracts";
import { jobClaims, jobRoute, Refusal } from "../http/job-route.ts";
import { readJsonBody } from "../http/json-body.ts";
import { errorFields, log } from "../log.ts";
import { ProviderUnavailableError, type ProviderRegistry } from "../providers/registry.ts";
import { analyseSession } from "./analysis.ts";
import { StructuredAnswerError } from "./structured.ts";

/** 2,000 turns and 500 tool calls of a long call fit. */
const maxBodyBytes = 4 * 1024 * 1024;

export interface AnalysisRouteOptions {
  /** The runtime token secret (job tokens are signed with it). */
  tokenSecret: string;
  providers: Pick<ProviderRegistry, "standaloneLlm">;
  /** Per LLM attempt (default 60 s). */
  timeoutMs?: number;
}

/** The analysis route; `handleRequest` answers it and returns false for any other request. */
export function createAnalysisRoute(options: AnalysisRouteOptions): { handleRequest(req: IncomingMessage, res: ServerResponse): boolean } {
  if (options.tokenSecret.length < 32) throw new Error("the analysis route needs the runtime token secret");

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const claims = await jobClaims(req, options.tokenSecret, "analysis", "analysis");
    const read = await readJsonBody(req, AnalysisRequest, maxBodyBytes);
    if (!read.ok) throw new Refusal(read.status, read.code, read.message);
    const request = read.data;
    if (request.agentId !== claims.agentId) throw new Refusal(403, "forbidden", "The token is for another agent.");
    if (!analysisRequested(request.settings)) throw new Refusal(422, "analysis_not_requested", "The settings ask for no summary, structured data or success evaluation.");
    if (request.llm.provider === "scripted") throw new Refusal(422, "analysis_not_supported", "Analysis needs a real LLM; the offline scripted LLM would fabricate one.");
    const fields = { spaceId: claims.spaceId, agentId: request.agentId, sessionId: request.sessionId };
    let model;
    try {
      model = await options.providers.standaloneLlm({ ...request.llm }, { temperature: 0, agentName: "analysis", firstMessage: "" }, request.providerAccess);
    } catch (err) {
      if (err instanceof ProviderUnavailableError) throw new Refusal(503, "provider_unavailable", err.message);
      throw err;
    }
    try {
      const result = await analyseSession(model, request, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
      const answer: AnalysisResponse = { output: result.output, model: `${request.llm.provider}/${request.llm.model}`, attempts: result.attempts, usage: result.usage };
      log.info("session analysed", { ...fields, attempts: result.attempts, promptTokens: result.usage.prompt, completionTokens: result.usage.completion });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(answer));
    } catch (err) {
      if (err instanceof StructuredAnswerError) {
        log.warn("session analysis unusable", { ...fields, attempts: err.attempts });
        // The model's own words may quote the conversation: the detail names the schema problem only.
        throw new Refusal(422, "analysis_unusable", `No answer of the model fitted the analysis after ${err.attempts} attempts: ${err.message}`.slice(0, 1000));
      }
      throw err;
    } finally {
      await model.aclose().catch(() => undefined);
    }
  }

  return jobRoute(analysisPath, handle, { log: "session analysis failed", detail: "The session could not be analysed." });
}
