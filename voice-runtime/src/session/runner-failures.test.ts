// A session whose provider cannot start or refuses the call fails at once with a fatal `error`
// event whose message says, in a sentence, which stage failed and how to fix it: the platform
// moves the session to Failed and shows that message to the agent's members.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeConfig, RuntimeEvent } from "@speaknode/contracts";
import { RuntimeApi } from "../api/client.ts";
import type { ProviderCredentials } from "../config.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { OpenAICompatibleServer } from "../../test/openai-compatible-server.ts";
import { textCall } from "../../test/fake-call.ts";
import { startSession, type CallIo, type RunnerDeps } from "./runner.ts";

const noKeys: ProviderCredentials = { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined };

let api: FakeRuntimeApi;
let llm: OpenAICompatibleServer;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  llm = await OpenAICompatibleServer.start();
});

afterAll(async () => {
  await api.close();
  await llm.close();
});

function deps(credentials: ProviderCredentials = noKeys): RunnerDeps {
  return {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "runner-test", attempts: 2, retryBaseMs: 10 }),
    providers: new ProviderRegistry(credentials, {
      stt: { fake: (_choice, language) => new FixedLatencySTT({ latencyMs: 0, transcripts: [], language }) },
      tts: { fake: () => new FixedLatencyTTS({ ttfbMs: 0 }) },
    }),
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 100,
    maxResponseChars: 8000,
    recording: { enabled: false, dir: undefined },
  };
}


const withTts = (sessionId: string, tts: { provider: string; model: string; voice: string }): RuntimeConfig =>
  runtimeConfig({ sessionId, llm: "scripted", locales: [{ language: "en-US", firstMessage: "Hello!", tts: { ...tts, params: {} }, speed: 1, background: { sound: "none", volume: 0.2 } }] });

const fatal = (events: RuntimeEvent[]) => events.filter((e) => e.type === "error" && e.fatal);

/** Starts the session and expects it to fail before the agent is ready, returning its one fatal error. */
async function failsToStart(config: RuntimeConfig, credentials?: ProviderCredentials): Promise<RuntimeEvent> {
  api.sessions.set(config.sessionId, config);
  const call = textCall(config.sessionId);
  const startedAtMs = Date.now();
  const result = await startSession(call.io, deps(credentials));
  expect("session" in result).toBe(false);
  expect(Date.now() - startedAtMs).toBeLessThan(5000);
  expect(result).toMatchObject({ status: "failed" });
  expect(call.closedWith).toEqual(["the agent failed"]);
  const events = api.eventsOf(config.sessionId);
  expect(events.some((e) => e.type === "agent.ready")).toBe(false);
  expect(fatal(events)).toHaveLength(1);
  return fatal(events)[0] as RuntimeEvent;
}

describe("a session whose provider cannot start", () => {
  it("fails with the missing platform key named when an agent speaks with OpenAI and the runtime has no OPENAI_API_KEY", async () => {
    const error = await failsToStart(withTts(newSessionId(), { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" }));
    expect(error).toEqual({
      type: "error",
      code: "provider_unavailable",
      stage: "tts",
      message: "The OpenAI text-to-speech needs OPENAI_API_KEY in the voice runtime's environment, or a space provider key.",
      fatal: true,
    });
  });

  it("fails with the installed voices listed when flite is given a voice it does not have", async () => {
    const error = await failsToStart(withTts(newSessionId(), { provider: "flite", model: "flite", voice: "alloy" }));
    expect(error).toMatchObject({ code: "provider_unavailable", stage: "tts", message: expect.stringMatching(/^The flite text-to-speech has no such voice; choose one of .*\bslt\b.* in the agent's language settings\.$/) });
  });

  it("fails naming the known providers when the agent names one this runtime does not know", async () => {
    const sid = newSessionId();
    const config = runtimeConfig({ sessionId: sid, llm: "acme" });
    const error = await failsToStart(config);
    expect(error).toMatchObject({
      code: "provider_unavailable",
      stage: "llm",
      message: 'The language model provider "acme" is not one this voice runtime knows; choose one of openai-compatible, openrouter, scripted in the agent\'s settings.',
    });
  });

  it("fails when pocketsphinx is asked for a language it has no model for", async () => {
    const sid = newSessionId();
    const base = runtimeConfig({ sessionId: sid, llm: "scripted", locales: [{ language: "de-DE", firstMessage: "Hallo!", tts: { provider: "fake", model: "fake", voice: "v1", params: {} }, speed: 1, background: { sound: "none", volume: 0.2 } }] });
    const config: RuntimeConfig = { ...base, language: "de-DE", agent: { ...base.agent, defaultLanguage: "de-DE", stt: { provider: "pocketsphinx", model: "en-us", params: {} } } };
    const error = await failsToStart(config);
    expect(error).toMatchObject({ code: "provider_unavailable", stage: "stt", message: expect.stringMatching(/^The pocketsphinx speech-to-text cannot be used here: .*English only.*Choose another speech-to-text model or provider for this language\.$/) });
  });
});

describe("a session whose provider refuses the call", () => {
  it("ends at once with the provider's refusal when the language model answers 401", async () => {
    const sid = newSessionId();
    const base = runtimeConfig({ sessionId: sid, llm: "openai-compatible" });
    api.sessions.set(sid, { ...base, agent: { ...base.agent, llm: { provider: "openai-compatible", model: "gpt-4.1-mini", params: {} } } });
    for (let i = 0; i < 4; i++) llm.enqueueCompletion({ error: { status: 401, message: "Incorrect API key provided", type: "invalid_request_error" } });
    const call = textCall(sid);
    const result = await startSession(call.io, deps({ ...noKeys, llmApiKey: "bad-key", llmBaseUrl: `${llm.url}/v1` }));
    if (!("session" in result)) throw new Error(`the session did not start: ${result.reason}`);
    const startedAtMs = Date.now();
    void result.session.run({ userInput: "Hello?" }).wait().catch(() => {});
    const outcome = await result.outcome;
    expect(Date.now() - startedAtMs).toBeLessThan(5000);
    expect(outcome).toMatchObject({ status: "failed", reason: "provider_refused" });
    expect(call.closedWith).toEqual(["the agent failed"]);
    const errors = fatal(api.eventsOf(sid));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: "provider_refused",
      stage: "llm",
      message: expect.stringMatching(/^The OpenAI-compatible language model refused the request \(HTTP 401\): .*Incorrect API key provided.*Check the provider key, model and voice in the agent's settings\.$/),
    });
    // Only one attempt reached the provider: a refusal is not retried.
    expect(llm.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(1);
  });
});
