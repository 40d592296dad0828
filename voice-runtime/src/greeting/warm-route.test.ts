// POST /v1/greetings/warm on the runtime's real HTTP server (the local media server), with the
// installed flite: only the Worker's greeting-warm token for the same agent is taken; what it
// warms is found by the key a session computes; a failed synthesis leaves nothing behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tts } from "@livekit/agents";
import type { Locale } from "@speaknode/contracts";
import { signGreetingWarmToken, signTtsPreviewToken } from "@speaknode/tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setLogLevel } from "../log.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { mediaToken, testTokenSecret } from "../transport/local/testing.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { GreetingCache } from "./greeting-cache.ts";
import { greetingKey } from "./greeting-key.ts";
import { createGreetingWarm } from "./warm-route.ts";

setLogLevel("error");

const noKeys = { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined };

/** A TTS that fails the way the library reports a provider's 500: an error event, then no audio. */
class BrokenTTS extends tts.TTS {
  label = "test.BrokenTTS";
  constructor() {
    super(16_000, 1, { streaming: false });
  }
  synthesize(text: string): tts.ChunkedStream {
    const owner = this;
    return new (class extends tts.ChunkedStream {
      label = "test.BrokenTTS.stream";
      protected async run(): Promise<void> {
        owner.emit("error", { type: "tts_error", timestamp: Date.now(), label: owner.label, error: new Error("upstream answered 500"), recoverable: false });
        this.queue.close();
      }
    })(text, this);
  }
  stream(): tts.SynthesizeStream {
    throw new Error("no streaming");
  }
}

const spaceId = "spc_00000000000000000000000001";
const agentId = "agt_00000000000000000000000001";
const locale = (overrides: Partial<Locale> = {}): Locale => ({
  language: "en-US",
  firstMessage: "Hello, and thank you for calling the warm test line.",
  tts: { provider: "flite", model: "flite", voice: "rms", params: {}, credentialId: null },
  speed: 1,
  background: { sound: "none", volume: 0 },
  ...overrides,
});

let dir: string;
let cache: GreetingCache;
let server: LocalMediaServer;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "greeting-warm-"));
  cache = new GreetingCache({ dir });
  const providers = new ProviderRegistry(noKeys, { tts: { broken: () => new BrokenTTS() } }, { allowPrivateHosts: [] });
  const warm = createGreetingWarm({ tokenSecret: testTokenSecret, providers, cache });
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: () => {}, onRequest: warm.handleRequest });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const warmToken = (claims: { agentId?: string; ttlS?: number } = {}) => signGreetingWarmToken(testTokenSecret, { spaceId, agentId: claims.agentId ?? agentId, ttlS: claims.ttlS ?? 60 });

async function warm(body: unknown, token?: string | null): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const bearer = token === undefined ? await warmToken() : token;
  if (bearer !== null) headers["authorization"] = `Bearer ${bearer}`;
  return fetch(`${base}/v1/greetings/warm`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

const request = (greetings: { locale: Locale; credential?: null }[], version = 1) => ({ agentId, agentVersion: version, draftVersion: null, greetings });

describe("POST /v1/greetings/warm", () => {
  it("refuses a request without the Worker's greeting token (none, a preview's, a media token, expired) with 401, and a token for another agent with 403", async () => {
    const body = request([{ locale: locale() }]);
    for (const token of [null, await signTtsPreviewToken(testTokenSecret, { spaceId }), await mediaToken("ses_00000000000000000000000001"), await warmToken({ ttlS: -60 }), "not-a-jwt"]) {
      const res = await warm(body, token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
    }
    const other = await warm(body, await warmToken({ agentId: "agt_00000000000000000000000002" }));
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: "forbidden" });
    expect(await cache.has(greetingKey({ agent: body, locale: locale() }))).toBe(false);
  });

  it("answers a body that is not JSON or not a warm request with 400, and a GET with 405", async () => {
    for (const body of ["{", { agentId }, request([{ locale: { ...locale(), speed: 3 } }])]) {
      const res = await warm(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "invalid_body" });
    }
    expect((await fetch(`${base}/v1/greetings/warm`)).status).toBe(405);
  });

  it("synthesizes each greeting into the cache under the key a session of that version computes, and the second time finds it cached", async () => {
    const greetings = [{ locale: locale() }, { locale: locale({ language: "en-GB", tts: { provider: "flite", model: "flite", voice: "slt", params: {}, credentialId: null } }) }, { locale: locale({ language: "de", firstMessage: "" }) }];
    const first = await warm(request(greetings, 7));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ results: [{ language: "en-US", status: "warmed" }, { language: "en-GB", status: "warmed" }, { language: "de", status: "skipped" }] });
    // A session of version 7 (a RuntimeConfig's fields) finds it in a new process.
    const clip = await new GreetingCache({ dir }).get(greetingKey({ agent: { agentId, agentVersion: 7, draftVersion: null }, locale: locale() }));
    expect(clip?.sampleRateHz).toBe(16_000);
    expect(clip!.samples.length / 16_000).toBeGreaterThan(1);

    const again = await warm(request(greetings.slice(0, 2), 7));
    expect(await again.json()).toEqual({ results: [{ language: "en-US", status: "cached" }, { language: "en-GB", status: "cached" }] });
  });

  it("reports a provider that fails or cannot be built and caches nothing for it", async () => {
    const broken = locale({ tts: { provider: "broken", model: "x", voice: "x", params: {}, credentialId: null } });
    const unknownVoice = locale({ tts: { provider: "flite", model: "flite", voice: "alloy", params: {}, credentialId: null } });
    const res = await warm(request([{ locale: broken }, { locale: unknownVoice }], 8));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ results: [{ language: "en-US", status: "failed", code: "provider_failed" }, { language: "en-US", status: "failed", code: "provider_unavailable" }] });
    expect(await cache.has(greetingKey({ agent: request([], 8), locale: broken }))).toBe(false);
  });
});
