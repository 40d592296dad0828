// The Worker's requests to the voice runtime's HTTP server for jobs outside a call, each with a
// short-lived job token of its scope (@speaknode/tokens job-tokens.ts):
// - POST /v1/agent-tests/run: run one test case once against a configuration the Worker built
//   exactly as a session's (RuntimeConfig, channel "test"); the answer is the case's outcome.
// - POST /v1/analysis: analyse one finished session with the agent's LLM; the answer is the
//   checked output (or a problem: 422 the model's answers never fit, 503 no provider).
import { z } from "zod";
import { jsonValue, text } from "./text.ts";
import { idSchema } from "./ids.ts";
import { ProviderChoice } from "./agents.ts";
import { AnalysisOutput, AnalysisSettings } from "./analysis.ts";
import { RunnableTestCase, TestMode } from "./agent-tests.ts";
import { RuntimeConfig, RuntimeProviderAccess } from "./runtime.ts";

export const agentTestRunPath = "/v1/agent-tests/run";
export const analysisPath = "/v1/analysis";

export const RunTestCaseRequest = z
  .object({
    /** The agent version's configuration as a session of the case's channel would get it (sessionId is the result's own id). */
    config: RuntimeConfig,
    /** The configurations of the agents a hand-off may reach, built the same way. */
    transferConfigs: z.array(RuntimeConfig).max(20).default([]),
    testCase: RunnableTestCase,
    mode: TestMode,
    iteration: z.number().int().min(1),
  })
  .meta({ id: "RunTestCaseRequest" });
export type RunTestCaseRequest = z.infer<typeof RunTestCaseRequest>;

export const AnalysisRequest = z
  .object({
    sessionId: idSchema("session"),
    agentId: idSchema("agent"),
    /** The agent version's LLM, with the access a session of it gets. */
    llm: ProviderChoice,
    providerAccess: RuntimeProviderAccess,
    settings: AnalysisSettings,
    language: text(),
    transcript: z.array(z.object({ role: z.enum(["user", "agent"]), text: text() })).max(2000),
    toolCalls: z.array(z.object({ name: text(), request: z.record(text(), jsonValue()), status: text() })).max(500).default([]),
    endReason: text().nullable(),
    durationSeconds: z.number().int().min(0).nullable(),
  })
  .meta({ id: "AnalysisRequest" });
export type AnalysisRequest = z.infer<typeof AnalysisRequest>;

export const AnalysisResponse = z
  .object({
    output: AnalysisOutput,
    /** provider/model. */
    model: text(),
    /** LLM calls made, retries included. */
    attempts: z.number().int().min(1),
    usage: z.object({ prompt: z.number().int(), completion: z.number().int() }),
  })
  .meta({ id: "AnalysisResponse" });
export type AnalysisResponse = z.infer<typeof AnalysisResponse>;
