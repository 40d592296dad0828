// The seeded demo agent (packages/db dev-seed.ts) as the Worker hands it to the runtime for a test
// case: its prompt, greeting, scripted LLM, check_order webhook tool and end_call, channel "test".
// Used to run the seeded test cases and the agent-tests bench in-process, with no stack.
import { demoAgentConfig, demoAgentId, demoSpaceId, demoToolId } from "@speaknode/db";
import { newId, RuntimeConfig, type RunnableTestCase, type RunTestCaseRequest, type TestMode } from "@speaknode/contracts";
import type { ProviderCredentials } from "../src/config.ts";

/** No platform keys at all: the scripted LLM needs none, and nothing may leave the machine. */
export const noCredentials: ProviderCredentials = {
  openaiApiKey: undefined,
  openaiBaseUrl: undefined,
  openrouterApiKey: undefined,
  llmApiKey: undefined,
  llmBaseUrl: undefined,
  deepgramApiKey: undefined,
  elevenlabsApiKey: undefined,
  cartesiaApiKey: undefined,
};

export function demoRuntimeConfig(): RuntimeConfig {
  const locale = demoAgentConfig.locales[0];
  return RuntimeConfig.parse({
    sessionId: newId("session"),
    spaceId: demoSpaceId,
    agentId: demoAgentId,
    agentVersion: null,
    draftVersion: 1,
    status: "dispatching",
    channel: "test",
    language: "en-US",
    variables: { customer_name: "Ada" },
    agent: { ...demoAgentConfig, maxTokensPerConversation: null },
    locales: [{ ...locale, firstMessage: "Hello Ada! This is the Speaknode demo. I can check an order for you.", speed: 1, background: { sound: "none", volume: 0.2 } }],
    tools: [
      {
        type: "webhook",
        id: demoToolId,
        code: "check_order",
        description: "Look up the status of a customer's order by its number.",
        method: "GET",
        // Never reached: every call is answered by the case's mocks.
        url: "http://127.0.0.1:9/dev/demo-shop/orders/{orderId}",
        headersSchema: null,
        bodySchema: { type: "object", properties: { orderId: { type: "string", description: "The order number, digits only" } }, required: ["orderId"] },
        headers: {},
        timeoutMs: 5000,
        preToolSpeech: "Let me look that up.",
        progressSpeech: null,
        transferRules: [],
        secretHeaders: {},
        parameterLocations: null,
      },
      { type: "system", name: "end_call", description: "End the call when the conversation is over.", targets: [] },
    ],
    transferTargets: [],
  });
}

export function demoCaseRequest(testCase: RunnableTestCase, mode: TestMode = "text"): RunTestCaseRequest {
  return { config: demoRuntimeConfig(), transferConfigs: [], testCase, mode, iteration: 1 };
}
