// Runtime configurations for tests, valid by the same contract the Worker serves them with.
import { newId, RuntimeConfig, type RuntimeTool } from "@speaknode/contracts";

/** A fresh session id per call, so tests sharing a fake API never collide. */
export function sessionId(): string {
  return newId("session");
}

export const billingAgentId = "agt_0000000000000000000000b111";

export function runtimeConfig(overrides: { sessionId: string; tools?: RuntimeTool[]; maxTokens?: number | null; locales?: RuntimeConfig["locales"]; llm?: string; agentId?: string; name?: string; prompt?: string }): RuntimeConfig {
  return RuntimeConfig.parse({
    sessionId: overrides.sessionId,
    spaceId: "spc_00000000000000000000000001",
    agentId: overrides.agentId ?? "agt_00000000000000000000000001",
    agentVersion: 1,
    draftVersion: null,
    status: "dispatching",
    channel: "api",
    language: "en-US",
    variables: { customer_name: "Ada" },
    agent: {
      name: overrides.name ?? "Reception",
      systemPrompt: overrides.prompt ?? "You are the receptionist. Greet Ada.",
      temperature: 0,
      maxTokensPerConversation: overrides.maxTokens ?? null,
      llm: { provider: overrides.llm ?? "fake", model: "fake", params: {} },
      stt: { provider: "fake", model: "fake", params: {} },
      vad: { model: "silero", activationThreshold: 0.5, minSpeechMs: 50, minSilenceMs: 300, prefixPaddingMs: 300, allowInterruptionsDuringFirstMessage: true },
      autoDetectLanguage: false,
      defaultLanguage: "en-US",
    },
    locales: overrides.locales ?? [
      { language: "en-US", firstMessage: "Hello Ada!", tts: { provider: "fake", model: "fake", voice: "v1", params: {} }, speed: 1, background: { sound: "none", volume: 0.2 } },
    ],
    tools: overrides.tools ?? [],
    transferTargets: [],
  });
}
