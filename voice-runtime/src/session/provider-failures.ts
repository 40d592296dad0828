// How a provider's failure during a call becomes the session's failure: in a sentence naming the
// stage, the provider and what to check. A refusal (an HTTP 4xx other than a timeout or rate
// limit: a bad key, an unknown voice or model) will not go away by itself, so the session ends at
// once rather than after the library's repeated attempts, leaving the caller in silence.
import type { RuntimeConfig } from "@speaknode/contracts";
import { stageProvider, type ProviderStage } from "../providers/describe.ts";
import { localeOf } from "./agent-builder.ts";

export interface ProviderFailure {
  stage: ProviderStage;
  code: string;
  message: string;
}

/** The HTTP status of a provider error when it is a refusal, else undefined. */
export function refusalStatus(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  // @livekit/agents' APIStatusError says `statusCode`, the OpenAI SDK's errors `status`.
  const raw = (err as { statusCode?: unknown }).statusCode ?? (err as { status?: unknown }).status;
  const status = typeof raw === "number" ? raw : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429 && status !== 499 ? status : undefined;
}

export function stageOfErrorType(type: string): ProviderStage | undefined {
  if (type.startsWith("llm") || type.startsWith("realtime")) return "llm";
  if (type.startsWith("stt")) return "stt";
  if (type.startsWith("tts")) return "tts";
  return undefined;
}

function providerOf(stage: ProviderStage, config: RuntimeConfig, language: string): string {
  if (stage === "llm") return config.agent.llm.provider;
  if (stage === "stt") return config.agent.stt.provider;
  return localeOf(config, language).tts.provider;
}

/** The session's failure for an unrecoverable provider error that is a refusal; undefined otherwise. */
export function refusalOf(error: { type: string; recoverable?: boolean; error?: unknown }, config: RuntimeConfig, language: string): ProviderFailure | undefined {
  if (error.recoverable) return undefined;
  const stage = stageOfErrorType(error.type);
  const status = refusalStatus(error.error);
  if (!stage || status === undefined || !(error.error instanceof Error)) return undefined;
  const what = stageProvider(stage, providerOf(stage, config, language));
  return {
    stage,
    code: "provider_refused",
    message: `${what} refused the request (HTTP ${status}): ${error.error.message.trim()}. Check the provider key, model and voice in the agent's settings.`.slice(0, 2000),
  };
}

/** The session's failure when the library closed it over a provider error it could not recover from. */
export function closeFailureOf(error: { type: string; error?: unknown }, config: RuntimeConfig, language: string): ProviderFailure {
  const stage = stageOfErrorType(error.type) ?? "llm";
  const what = stageProvider(stage, providerOf(stage, config, language));
  const detail = error.error instanceof Error ? error.error.message.trim() : error.type;
  return { stage, code: `${stage}_failed`, message: `${what} failed and the call could not go on: ${detail}`.slice(0, 2000) };
}

/** Why a session failed, for its error event. */
export type Failure = { stage: "media" | "llm" | "stt" | "tts" | "vad" | "tool" | "runtime"; code: string; message: string };

/** An error that ended the session before or outside a provider's refusal. */
export function failureOf(err: unknown): Failure {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.name === "ProviderUnavailableError" && "stage" in err) {
    const stage = err.stage === "llm" || err.stage === "stt" || err.stage === "tts" || err.stage === "vad" ? err.stage : "runtime";
    return { stage, code: "provider_unavailable", message };
  }
  return { stage: "runtime", code: "runtime_error", message };
}
