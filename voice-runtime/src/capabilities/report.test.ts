// Contract tests of the capability report: a 127.0.0.1 server plays ElevenLabs' GET /v1/voices and
// Cartesia's paginated GET /voices with their documented response shapes and checks the requests;
// the offline engines are probed on this machine (flite and pocketsphinx-en-us are installed); the
// report goes to a stand-in runtime API that checks it against the contract.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RuntimeApi } from "../api/client.ts";
import type { ProviderCredentials } from "../config.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { buildCapabilities, probeOfflineEngines, startCapabilitiesReporter } from "./report.ts";
import { cartesiaListVersion, listCartesiaVoices, listElevenLabsVoices } from "./voice-lists.ts";

const noKeys: ProviderCredentials = { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined };

const elevenLabsBody = {
  voices: [
    {
      voice_id: "21m00Tcm4TlvDq8ikWAM",
      name: "Rachel",
      category: "premade",
      description: null,
      labels: { accent: "american", description: "calm", age: "young", gender: "female", use_case: "narration" },
      verified_languages: [{ language: "en", model_id: "eleven_turbo_v2_5", accent: "american", locale: "en-US" }],
      preview_url: "https://storage.googleapis.com/eleven-public-prod/premade/voices/21m00Tcm4TlvDq8ikWAM/preview.mp3",
      available_for_tiers: [],
      settings: null,
      is_owner: false,
    },
    {
      voice_id: "pNInz6obpgDQGcFmaJgB",
      name: "Adam",
      category: "premade",
      labels: { accent: "american", gender: "male" },
      verified_languages: [
        { language: "en", model_id: "eleven_multilingual_v2" },
        { language: "de", model_id: "eleven_multilingual_v2" },
      ],
    },
    { voice_id: "cloned1", name: "My clone", category: "cloned", labels: {} },
  ],
};

const cartesiaVoice = (id: string, name: string, gender: string | null, language: string) => ({ id, is_owner: false, is_public: true, name, description: `${name}, for support calls`, gender, created_at: "2025-01-01T00:00:00Z", language });

let provider: Server;
let providerUrl: string;
const seen: { url: string; headers: IncomingMessage["headers"] }[] = [];
let failWith: number | undefined;

beforeAll(async () => {
  provider = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (failWith) return json(failWith, { detail: { status: "invalid_api_key", message: "Invalid API key" } });
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/v1/voices") return json(200, elevenLabsBody);
    if (url.pathname === "/voices") {
      const after = url.searchParams.get("starting_after");
      if (!after) return json(200, { data: [cartesiaVoice("a0e99841-438c-4a64-b679-ae501e7d6091", "Barbershop Man", "masculine", "en")], has_more: true, next_page: "a0e99841-438c-4a64-b679-ae501e7d6091" });
      return json(200, { data: [cartesiaVoice("3f4ade23-6eb4-4279-ab05-6a144947c4d5", "German Conversational Woman", "feminine", "de"), cartesiaVoice("n1", "Neutral", null, "fr")], has_more: false });
    }
    json(404, {});
  });
  await new Promise<void>((r) => provider.listen(0, "127.0.0.1", r));
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => provider.close(() => r()));
});

describe("the voice listings", () => {
  it("lists ElevenLabs voices with the xi-api-key header and maps gender, language and style", async () => {
    seen.length = 0;
    const voices = await listElevenLabsVoices({ apiKey: "el-key", baseUrl: providerUrl });
    expect(seen.map((s) => [s.url, s.headers["xi-api-key"]])).toEqual([["/v1/voices", "el-key"]]);
    expect(voices).toEqual([
      { id: "21m00Tcm4TlvDq8ikWAM", name: "Rachel", language: "en-US", gender: "female", style: "american, calm, narration, premade" },
      { id: "pNInz6obpgDQGcFmaJgB", name: "Adam", language: null, gender: "male", style: "american, premade" },
      { id: "cloned1", name: "My clone", language: null, gender: null, style: "cloned" },
    ]);
  });

  it("follows Cartesia's pages with X-API-Key and Cartesia-Version and maps its genders", async () => {
    seen.length = 0;
    const voices = await listCartesiaVoices({ apiKey: "car-key", baseUrl: providerUrl });
    expect(seen.map((s) => s.url)).toEqual(["/voices?limit=100", "/voices?limit=100&starting_after=a0e99841-438c-4a64-b679-ae501e7d6091"]);
    expect(seen.every((s) => s.headers["x-api-key"] === "car-key" && s.headers["cartesia-version"] === cartesiaListVersion)).toBe(true);
    expect(voices).toEqual([
      { id: "a0e99841-438c-4a64-b679-ae501e7d6091", name: "Barbershop Man", language: "en", gender: "male", style: "Barbershop Man, for support calls" },
      { id: "3f4ade23-6eb4-4279-ab05-6a144947c4d5", name: "German Conversational Woman", language: "de", gender: "female", style: "German Conversational Woman, for support calls" },
      { id: "n1", name: "Neutral", language: "fr", gender: null, style: "Neutral, for support calls" },
    ]);
  });
});

describe("the capability report", () => {
  it("finds the installed offline engines and their languages, and says how to install a missing one", () => {
    const here = probeOfflineEngines();
    expect(here.flite).toEqual({ available: true, reason: null, languages: ["en"] });
    expect(here.pocketsphinx).toEqual({ available: true, reason: null, languages: ["en-US"] });
    const bare = probeOfflineEngines({ pathList: "/nonexistent", pocketsphinxDecoder: ["/nonexistent/python3"] });
    expect(bare.flite).toMatchObject({ available: false, reason: expect.stringContaining("apt-get install flite") });
    expect(bare.pocketsphinx).toMatchObject({ available: false, reason: expect.stringContaining("apt-get install python3-pocketsphinx") });
    const noModel = probeOfflineEngines({ pocketsphinxModels: { "en-us": "/nonexistent" } });
    expect(noModel.pocketsphinx).toMatchObject({ available: false, reason: expect.stringContaining("pocketsphinx-en-us") });
  });

  it("lists every catalog provider with its platform key and the accounts' voices", async () => {
    const report = await buildCapabilities({
      runtimeId: "rt-test",
      credentials: { ...noKeys, openaiApiKey: "sk-platform", elevenlabsApiKey: "el-key", cartesiaApiKey: "car-key" },
      voiceLists: { elevenlabsBaseUrl: providerUrl, cartesiaBaseUrl: providerUrl },
    });
    const of = (kind: string, name: string) => report.providers.find((p) => p.kind === kind && p.provider === name);
    expect(report.providers.map((p) => `${p.kind}:${p.provider}`)).toEqual([
      "llm:openai-compatible",
      "llm:openrouter",
      "llm:scripted",
      "stt:deepgram",
      "stt:openai",
      "stt:pocketsphinx",
      "tts:elevenlabs",
      "tts:cartesia",
      "tts:openai",
      "tts:flite",
    ]);
    expect(of("tts", "openai")).toEqual({ kind: "tts", provider: "openai", platformKey: true, available: true, reason: null, languages: null });
    expect(of("llm", "openai-compatible")).toMatchObject({ platformKey: true });
    expect(of("stt", "deepgram")).toMatchObject({ platformKey: false, available: true });
    expect(of("llm", "openrouter")).toMatchObject({ platformKey: false });
    expect(of("tts", "flite")).toEqual({ kind: "tts", provider: "flite", platformKey: false, available: true, reason: null, languages: ["en"] });
    expect(of("stt", "pocketsphinx")).toMatchObject({ platformKey: false, available: true, languages: ["en-US"] });
    expect(report.voices["elevenlabs"]?.map((v) => v.id)).toEqual(["21m00Tcm4TlvDq8ikWAM", "pNInz6obpgDQGcFmaJgB", "cloned1"]);
    expect(report.voices["cartesia"]).toHaveLength(3);
  });

  it("leaves out a listing the provider refuses and logs it without the key", async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
    failWith = 401;
    try {
      const report = await buildCapabilities({ runtimeId: "rt-test", credentials: { ...noKeys, elevenlabsApiKey: "el-secret-key" }, voiceLists: { elevenlabsBaseUrl: providerUrl } });
      expect(report.voices).toEqual({});
      expect(report.providers.find((p) => p.provider === "elevenlabs")).toMatchObject({ platformKey: true });
    } finally {
      failWith = undefined;
      spy.mockRestore();
    }
    const line = logged.find((l) => l.includes("provider voices not listed"));
    expect(line).toBeDefined();
    expect(JSON.parse(line ?? "{}")).toMatchObject({ level: "warn", provider: "elevenlabs", status: 401 });
    expect(logged.join("")).not.toContain("el-secret-key");
  });

  it("is sent to the runtime API at start and on every interval until stopped", async () => {
    const api: FakeRuntimeApi = await startFakeRuntimeApi();
    try {
      const client = new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "rt-test", attempts: 1 });
      const reporter = startCapabilitiesReporter({ api: client, build: () => buildCapabilities({ runtimeId: "rt-test", credentials: noKeys }), intervalMs: 100 });
      await expect.poll(() => api.capabilities.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      reporter.stop();
      expect(api.capabilities[0]).toMatchObject({ runtimeId: "rt-test", voices: {} });
      expect(api.capabilities[0]?.providers).toHaveLength(10);
      const count = api.capabilities.length;
      await new Promise((r) => setTimeout(r, 300));
      expect(api.capabilities.length).toBeLessThanOrEqual(count + 1);
    } finally {
      await api.close();
    }
  });

  it("tries a failed report again soon instead of waiting for the next interval", async () => {
    let calls = 0;
    const sent: unknown[] = [];
    const reporter = startCapabilitiesReporter({
      api: {
        putCapabilities: async (body) => {
          calls += 1;
          if (calls === 1) throw new Error("runtime API unreachable");
          sent.push(body);
        },
      },
      build: () => buildCapabilities({ runtimeId: "rt-test", credentials: noKeys }),
      intervalMs: 60_000,
      retryMs: 50,
    });
    try {
      await expect.poll(() => sent.length, { timeout: 5000 }).toBe(1);
    } finally {
      reporter.stop();
    }
  });
});
