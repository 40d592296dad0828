// The voice preview route on the runtime's real HTTP server (the local media server with its
// /healthz), speaking with the installed flite end to end, and with Cartesia's client against a
// 127.0.0.1 stand-in for a space's key.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tts } from "@livekit/agents";
import { signTtsPreviewToken } from "@speaknode/tokens";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWav } from "../audio/wav.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { mediaToken, testTokenSecret } from "../transport/local/testing.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { createTtsPreview } from "./tts-preview.ts";

const noKeys = { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: "platform-cartesia-key" };

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

let server: LocalMediaServer;
let base: string;
let cartesia: Server;
let cartesiaUrl: string;
const cartesiaRequests: IncomingMessage["headers"][] = [];

beforeAll(async () => {
  const providers = new ProviderRegistry(noKeys, { tts: { broken: () => new BrokenTTS() } }, { allowPrivateHosts: [] });
  const preview = createTtsPreview({ tokenSecret: testTokenSecret, providers });
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: () => {}, onRequest: preview.handleRequest });
  base = `http://127.0.0.1:${server.port}`;
  cartesia = createServer((req, res) => {
    cartesiaRequests.push(req.headers);
    req.resume();
    req.on("end", () => {
      const pcm = new Int16Array(24_000 / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(4000 * Math.sin((2 * Math.PI * 300 * i) / 24_000));
      res.writeHead(200, { "content-type": "audio/pcm" }).end(Buffer.from(pcm.buffer));
    });
  });
  await new Promise<void>((r) => cartesia.listen(0, "127.0.0.1", r));
  cartesiaUrl = `http://127.0.0.1:${(cartesia.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server.close();
  await new Promise<void>((r) => cartesia.close(() => r()));
});

const spaceId = "spc_00000000000000000000000001";
const previewToken = (claims: { ttlS?: number; secret?: string } = {}) => signTtsPreviewToken(claims.secret ?? testTokenSecret, { spaceId, ttlS: claims.ttlS ?? 60 });
/** A token with the preview's scope but another audience, as a media token would carry. */
const foreignToken = () =>
  new SignJWT({ scope: "tts-preview", sid: "ses_00000000000000000000000001" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("speaknode")
    .setAudience("speaknode:media")
    .setSubject(spaceId)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
    .sign(new TextEncoder().encode(testTokenSecret));

async function preview(body: unknown, token?: string): Promise<Response> {
  return fetch(`${base}/v1/tts/preview`, {
    method: "POST",
    headers: { authorization: `Bearer ${token ?? (await previewToken())}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const flite = (overrides: Record<string, unknown> = {}) => ({ provider: "flite", model: "flite", voice: "slt", speed: 1, language: "en-US", text: "Hello, this is how I sound on the phone.", credential: null, ...overrides });

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe("POST /v1/tts/preview", () => {
  it("speaks the text with flite as a 16-bit mono WAV, slower at speed 0.5 than at 2", async () => {
    const durations: number[] = [];
    for (const speed of [0.5, 2]) {
      const res = await preview(flite({ speed }));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("audio/wav");
      const wav = parseWav(Buffer.from(await res.arrayBuffer()));
      expect(wav.channels).toBe(1);
      expect(wav.sampleRateHz).toBe(16_000);
      expect(rms(wav.samples)).toBeGreaterThan(300);
      durations.push(wav.samples.length / wav.sampleRateHz);
    }
    const [slow = 0, fast = 0] = durations;
    expect(fast).toBeGreaterThan(0.5);
    expect(slow).toBeGreaterThan(fast * 2.5);
  });

  it("refuses a request without a valid preview token with 401", async () => {
    const wrongScope = await foreignToken();
    const media = await mediaToken("ses_00000000000000000000000001");
    const otherSecret = await previewToken({ secret: "another-secret-that-is-32-chars-long!!" });
    const expired = await previewToken({ ttlS: -60 });
    for (const token of [wrongScope, media, otherSecret, expired, "not-a-jwt"]) {
      const res = await preview(flite(), token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
    }
  });

  it("answers a body that is not JSON, misses fields or is longer than 300 characters with 400", async () => {
    for (const body of ["{", { provider: "flite" }, flite({ text: "a".repeat(301) }), flite({ speed: 3 })]) {
      const res = await preview(body);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { code: string; message: string };
      expect(problem.code).toBe("invalid_body");
      expect(problem.message.length).toBeGreaterThan(10);
    }
  });

  it("answers 422 with a sentence naming the fix for an unknown voice, an unknown provider or a missing platform key", async () => {
    const voice = await preview(flite({ voice: "alloy" }));
    expect(voice.status).toBe(422);
    expect(await voice.json()).toMatchObject({ code: "provider_unavailable", message: expect.stringMatching(/^The flite text-to-speech has no such voice; choose one of .*slt/) });

    const provider = await preview(flite({ provider: "acme" }));
    expect(provider.status).toBe(422);
    expect(await provider.json()).toMatchObject({ message: expect.stringContaining('provider "acme" is not one this voice runtime knows') });

    const openai = await preview(flite({ provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" }));
    expect(openai.status).toBe(422);
    expect(await openai.json()).toMatchObject({ message: "The OpenAI text-to-speech needs OPENAI_API_KEY in the voice runtime's environment, or a space provider key." });
  });

  it("answers 502 when the provider fails", async () => {
    const res = await preview(flite({ provider: "broken", voice: "any" }));
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: "provider_failed", message: expect.stringContaining("upstream answered 500") });
  });

  it("sends a space's key only to its vetted base URL, never the platform's key", async () => {
    const body = { provider: "cartesia", model: "sonic-2", voice: "a0e99841-438c-4a64-b679-ae501e7d6091", speed: 1, text: "Hi there", credential: { apiKey: "space-cartesia-key", baseUrl: cartesiaUrl } };
    // 127.0.0.1 is not on the guard's allow-list: the key is not sent at all.
    const refused = await preview(body);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ message: expect.stringMatching(/^The space's Cartesia key for the text-to-speech was not sent/) });
    expect(cartesiaRequests).toEqual([]);

    const allowed = new ProviderRegistry(noKeys, {}, { allowPrivateHosts: ["127.0.0.1"] });
    const local = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: () => {}, onRequest: createTtsPreview({ tokenSecret: testTokenSecret, providers: allowed }).handleRequest });
    try {
      const res = await fetch(`http://127.0.0.1:${local.port}/v1/tts/preview`, { method: "POST", headers: { authorization: `Bearer ${await previewToken()}` }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      const wav = parseWav(Buffer.from(await res.arrayBuffer()));
      expect(wav.sampleRateHz).toBe(24_000);
      expect(wav.samples.length).toBe(12_000);
      expect(cartesiaRequests.map((h) => h["x-api-key"])).toEqual(["space-cartesia-key"]);
    } finally {
      await local.close();
    }
  });
});
