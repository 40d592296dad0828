// Test cases and configurations for the agent-tests harness's own tests: a demo-like agent (the
// seeded demo's greeting, check_order webhook tool and end_call) on the scripted LLM or on a real
// LLM behind the local OpenAI-compatible server, and the requests the Worker would send for them.
import { RunnableTestCase, type RunTestCaseRequest, type RuntimeConfig, type RuntimeTool, type TestMode } from "@speaknode/contracts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { runtimeConfig, sessionId } from "../../test/fixtures.ts";
import type { RunCaseDeps } from "./run-case.ts";

export const checkOrderTool: Extract<RuntimeTool, { type: "webhook" }> = {
  type: "webhook",
  id: "tol_00000000000000000000000001",
  code: "check_order",
  description: "Check the status of an order",
  method: "GET",
  // Nothing listens here: a test that reached the API would fail loudly.
  url: "http://127.0.0.1:9/orders/{orderId}",
  headersSchema: null,
  bodySchema: { type: "object", properties: { orderId: { type: "string", description: "The order number" } }, required: ["orderId"] },
  headers: {},
  secretHeaders: {},
  secretOrigin: null,
  timeoutMs: 2000,
  preToolSpeech: "Let me check that.",
  progressSpeech: null,
  transferRules: [],
  parameterLocations: null,
  bodyEncoding: "json",
  parameterStyles: {},
  secretQuery: {},
};

export const endCallTool: RuntimeTool = { type: "system", name: "end_call", description: "End the call when the conversation is over.", targets: [], destinations: [] };

export function demoConfig(over: { llm?: string; tools?: RuntimeTool[]; agentId?: string; name?: string } = {}): RuntimeConfig {
  return runtimeConfig({
    sessionId: sessionId(),
    llm: over.llm ?? "scripted",
    tools: over.tools ?? [checkOrderTool, endCallTool],
    ...(over.agentId ? { agentId: over.agentId } : {}),
    ...(over.name ? { name: over.name } : {}),
    prompt: "You are the receptionist of the demo shop. Check an order with the check_order tool when asked.",
  });
}

export function testCase(over: Partial<Record<keyof RunnableTestCase, unknown>>): RunnableTestCase {
  return RunnableTestCase.parse({ id: "atc_00000000000000000000000001", name: "A case", caller: { kind: "scripted", turns: [{ user: "Hello" }] }, ...over });
}

export function request(config: RuntimeConfig, tc: RunnableTestCase, mode: TestMode = "text", transferConfigs: RuntimeConfig[] = []): RunTestCaseRequest {
  return { config, testCase: tc, mode, iteration: 1, transferConfigs };
}

/** A registry with no speech providers needed (text mode) and the platform LLM at `llmBaseUrl`. */
export function caseDeps(llmBaseUrl?: string): RunCaseDeps {
  const registry = new ProviderRegistry({
    openaiApiKey: undefined,
    openaiBaseUrl: undefined,
    openrouterApiKey: undefined,
    llmApiKey: llmBaseUrl ? "test-key" : undefined,
    llmBaseUrl,
    deepgramApiKey: undefined,
    elevenlabsApiKey: undefined,
    cartesiaApiKey: undefined,
  });
  return { registry, guard: createHttpGuard({ allowPrivateHosts: [] }), maxResponseChars: 8000, caseTimeoutMs: 60_000 };
}
