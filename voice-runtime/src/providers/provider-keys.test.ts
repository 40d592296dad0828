// Where the runtime sends keys, proven with listeners on 127.0.0.1: the platform's key goes only
// to the platform's endpoint (environment or the Admin's catalog), never to a URL in an agent's
// params; a space's key goes only to its credential's base URL, and only when the SSRF guard lets
// that destination through.
import { voice, type APIConnectOptions, type llm } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import type { RuntimeConfig } from "@speaknode/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProviderCredentials } from "../config.ts";
import { OpenAICompatibleServer } from "../../test/openai-compatible-server.ts";
import { runtimeConfig, sessionId } from "../../test/fixtures.ts";
import { guardedFetch } from "./endpoint-guard.ts";
import { ProviderRegistry, ProviderUnavailableError } from "./registry.ts";

const platformKey = "platform-secret-key-1234";
const spaceKey = "space-key-5678";
const noRetry: APIConnectOptions = { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 5_000 };

let platform: OpenAICompatibleServer;
let space: OpenAICompatibleServer;
let attacker: OpenAICompatibleServer;
const sessions: voice.AgentSession[] = [];

beforeEach(async () => {
  [platform, space, attacker] = await Promise.all([OpenAICompatibleServer.start(), OpenAICompatibleServer.start(), OpenAICompatibleServer.start()]);
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all([platform.close(), space.close(), attacker.close()]);
});

function credentials(): ProviderCredentials {
  return { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: platformKey, llmApiKey: platformKey, llmBaseUrl: `${platform.url}/v1`, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: platformKey };
}

/** A configuration whose LLM is `llm`, with the given provider access. */
function configWith(llmChoice: RuntimeConfig["agent"]["llm"], access: RuntimeConfig["providerAccess"]): RuntimeConfig {
  const base = runtimeConfig({ sessionId: sessionId() });
  return { ...base, agent: { ...base.agent, llm: llmChoice }, providerAccess: access };
}

async function runTurn(model: llm.LLM): Promise<void> {
  const session = new voice.AgentSession({ llm: model, connOptions: { llmConnOptions: noRetry } });
  sessions.push(session);
  await session.start({ agent: new voice.Agent({ instructions: "The secret system prompt." }) });
  await session.run({ userInput: "hello" }).wait();
}

/** The distinct Authorization headers a listener saw (a turn may make more than one request). */
const seen = (server: OpenAICompatibleServer) => [...new Set(server.requests.map((r) => r.headers["authorization"]))];
const context = { temperature: 0.2, agentName: "A", firstMessage: "" };

describe("where provider keys go", () => {
  it("sends the platform's key to the platform's endpoint even when an agent's params name another URL", async () => {
    const registry = new ProviderRegistry(credentials());
    // A configuration stored before params were checked per provider, still carrying an endpoint.
    const config = configWith({ provider: "openai-compatible", model: "gpt-4o-mini", params: { baseUrl: `${attacker.url}/v1`, base_url: `${attacker.url}/v1` } }, { credentials: [], platformEndpoints: [] });
    const access = await registry.vet(config);
    await runTurn(registry.llm(config.agent.llm, context, access));
    expect(attacker.requests).toEqual([]);
    expect(seen(platform)).toEqual([`Bearer ${platformKey}`]);
  });

  it("sends the platform's key to the Admin's catalog endpoint for the model", async () => {
    const registry = new ProviderRegistry(credentials());
    const config = configWith({ provider: "openrouter", model: "x/y", params: {} }, { credentials: [], platformEndpoints: [{ kind: "llm", provider: "openrouter", model: "x/y", baseUrl: `${platform.url}/v1` }] });
    await runTurn(registry.llm(config.agent.llm, context, await registry.vet(config)));
    expect(seen(platform)).toEqual([`Bearer ${platformKey}`]);
  });

  it("sends a space's key only to its credential's URL, and the platform's key nowhere", async () => {
    const registry = new ProviderRegistry(credentials(), {}, { allowPrivateHosts: ["127.0.0.1"] });
    const credentialId = "pcr_01jqz8k3m4n5p6q7r8s9t0v1w2";
    const config = configWith(
      { provider: "openai-compatible", model: "gpt-4o-mini", params: { baseUrl: `${attacker.url}/v1` }, credentialId },
      { credentials: [{ id: credentialId, provider: "openai-compatible", baseUrl: `${space.url}/v1`, apiKey: spaceKey }], platformEndpoints: [] },
    );
    const access = await registry.vet(config);
    await runTurn(registry.llm(config.agent.llm, context, access));
    expect(seen(space)).toEqual([`Bearer ${spaceKey}`]);
    expect(platform.requests).toEqual([]);
    expect(attacker.requests).toEqual([]);
  });

  it("refuses a space key whose URL the SSRF guard does not let through, before anything is sent", async () => {
    const registry = new ProviderRegistry(credentials());
    const credentialId = "pcr_01jqz8k3m4n5p6q7r8s9t0v1w3";
    for (const baseUrl of [`${space.url}/v1`, "http://169.254.169.254/v1", "http://[::1]:9/v1"]) {
      const config = configWith({ provider: "openai-compatible", model: "m", params: {}, credentialId }, { credentials: [{ id: credentialId, provider: "openai-compatible", baseUrl, apiKey: spaceKey }], platformEndpoints: [] });
      await expect(registry.vet(config)).rejects.toBeInstanceOf(ProviderUnavailableError);
    }
    expect(space.requests).toEqual([]);
  });

  it("does not use a space key it was not given, nor one of another provider, nor without vetting", async () => {
    const registry = new ProviderRegistry(credentials(), {}, { allowPrivateHosts: ["127.0.0.1"] });
    const credentialId = "pcr_01jqz8k3m4n5p6q7r8s9t0v1w4";
    const choice = { provider: "openai-compatible", model: "m", params: {}, credentialId };
    await expect(registry.vet(configWith(choice, { credentials: [], platformEndpoints: [] }))).rejects.toThrow(/not available/);
    await expect(registry.vet(configWith(choice, { credentials: [{ id: credentialId, provider: "openrouter", baseUrl: `${space.url}/v1`, apiKey: spaceKey }], platformEndpoints: [] }))).rejects.toThrow(/not available/);
    expect(() => registry.llm(choice, context)).toThrow(ProviderUnavailableError);
  });

  it("keeps a guarded fetch under its base URL", async () => {
    const fetchSpace = guardedFetch(`${space.url}/v1`, { allowPrivateHosts: ["127.0.0.1"] });
    await expect(fetchSpace(`${attacker.url}/v1/models`, { headers: { authorization: `Bearer ${spaceKey}` } })).rejects.toThrow(/outside/);
    await expect(fetchSpace(`${space.url}/v2/models`)).rejects.toThrow(/outside/);
    const ok = await fetchSpace(`${space.url}/v1/models`, { headers: { authorization: `Bearer ${spaceKey}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { object: string }).object).toBe("list");
    expect(attacker.requests).toEqual([]);
  });

  it("sends a space's OpenAI key for speech (STT and TTS) only to its credential's URL", async () => {
    const registry = new ProviderRegistry(credentials(), {}, { allowPrivateHosts: ["127.0.0.1"] });
    const credentialId = "pcr_01jqz8k3m4n5p6q7r8s9t0v1w5";
    const base = configWith({ provider: "scripted", model: "demo", params: {} }, { credentials: [{ id: credentialId, provider: "openai", baseUrl: `${space.url}/v1`, apiKey: spaceKey }], platformEndpoints: [] });
    const locale = { ...base.locales[0], language: "en-US", tts: { provider: "openai", model: "tts-1", voice: "alloy", params: {}, credentialId } } as RuntimeConfig["locales"][number];
    const config: RuntimeConfig = { ...base, agent: { ...base.agent, stt: { provider: "openai", model: "whisper-1", params: {}, credentialId } }, locales: [locale] };
    const access = await registry.vet(config);
    const stt = registry.stt(config.agent.stt, "en-US", access);
    await stt.recognize(new AudioFrame(new Int16Array(1600), 16_000, 1, 1600));
    const tts = registry.tts(locale, access);
    for await (const _audio of tts.synthesize("hello")) void _audio;
    expect(space.requestsTo("/v1/audio/transcriptions").map((r) => r.headers["authorization"])).toEqual([`Bearer ${spaceKey}`]);
    expect(space.requestsTo("/v1/audio/speech").map((r) => r.headers["authorization"])).toEqual([`Bearer ${spaceKey}`]);
    expect(platform.requests).toEqual([]);
    await Promise.all([stt.close(), tts.close()]);
  });
});
