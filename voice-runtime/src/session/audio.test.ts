// A whole call in-process, with audio: a caller streams a flite recording in real time over the
// local WebSocket transport; Silero VAD, pocketsphinx, the scripted LLM, a real webhook tool and
// flite answer. What the agent said is transcribed back with pocketsphinx to check it spoke.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeApi } from "../api/client.ts";
import { readWav } from "../audio/wav.ts";
import { PocketsphinxSTT } from "../providers/offline/pocketsphinx-stt.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { localCallIo } from "../transport/local/call-io.ts";
import { connectLocalMedia } from "../transport/local/client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { mediaToken } from "../transport/local/testing.ts";
import { AudioFrame } from "@livekit/rtc-node";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { speak } from "../../test/speak.ts";
import { runSession, type SessionOutcome } from "./runner.ts";

let api: FakeRuntimeApi;
let shop: Server;
let shopUrl: string;
let media: LocalMediaServer;
let dir: string;
const outcomes: Promise<SessionOutcome>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "speaknode-audio-"));
  api = await startFakeRuntimeApi();
  shop = createServer((req, res) => {
    const id = (req.url ?? "").split("/").pop();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ orderId: id, status: "shipped" }));
  });
  await new Promise<void>((r) => shop.listen(0, "127.0.0.1", r));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const deps = {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "audio-test" }),
    providers: new ProviderRegistry({ openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined }),
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 1000,
    maxResponseChars: 8000,
    recording: { enabled: true, dir },
  };
  media = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: (channel) => void outcomes.push(runSession(localCallIo(channel), deps)) });
});

afterAll(async () => {
  await media?.close();
  await api?.close();
  await new Promise<void>((r) => shop.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe("a call with audio on the offline providers", () => {
  it("hears the caller, calls the tool it named, answers aloud and records the call", async () => {
    const sid = newSessionId();
    api.sessions.set(
      sid,
      runtimeConfig({
        sessionId: sid,
        llm: "scripted",
        locales: [{ language: "en-US", firstMessage: "Hello Ada, how can I help?", tts: { provider: "flite", model: "flite", voice: "rms", params: {} }, speed: 1, background: { sound: "none", volume: 0.2 } }],
        tools: [
          {
            type: "webhook",
            id: "tol_00000000000000000000000001",
            code: "check_order",
            description: "Check the status of an order",
            method: "GET",
            url: `${shopUrl}/orders/{orderId}`,
            headersSchema: null,
            bodySchema: { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] },
            headers: {},
            secretHeaders: {},
            secretOrigin: null,
            timeoutMs: 3000,
            preToolSpeech: "Let me look that up.",
            progressSpeech: null,
            transferRules: [],
            parameterLocations: null,
            bodyEncoding: "json",
            parameterStyles: {},
            secretQuery: {},
          },
        ],
      }),
    );
    const config = api.sessions.get(sid);
    if (!config) throw new Error("no config");
    api.sessions.set(sid, { ...config, agent: { ...config.agent, stt: { provider: "pocketsphinx", model: "en-us", params: {} } } });

    const caller = connectLocalMedia({ url: `${media.url}?session=${sid}`, token: await mediaToken(sid), sampleRateHz: 16_000 });
    await caller.ready;
    // The greeting plays and ends with a mark.
    await expect.poll(() => caller.marks.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const greeting = caller.receivedPcm().length;
    expect(greeting / 16_000).toBeGreaterThan(0.8);

    await caller.streamPcm(speak("please check my order number forty two", dir), { realtime: true });
    await caller.streamPcm(new Int16Array(16_000), { realtime: true });
    const call = await api.waitFor(sid, "tool.call", 20_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; events: ${JSON.stringify(api.eventsOf(sid).filter((e) => e.type !== "heartbeat"))}`);
    });
    expect(call).toMatchObject({ name: "check_order", request: { orderId: "42" }, status: "ok" });
    // The spoken answer comes after the pre-tool line and the tool result; its turn is reported
    // once it has played out.
    const answered = () => api.eventsOf(sid).some((e) => e.type === "turn" && e.role === "agent" && /shipped/i.test(e.text));
    await expect.poll(answered, { timeout: 30_000 }).toBe(true);
    await caller.end();
    const outcome = await outcomes.at(-1);
    expect(outcome).toMatchObject({ status: "completed", reason: "caller_hung_up" });

    const turns = api.eventsOf(sid).flatMap((e) => (e.type === "turn" ? [e] : []));
    const user = turns.find((t) => t.role === "user");
    expect(user?.text).toMatch(/order/);
    expect(user?.metrics.endOfUtteranceDelayMs).toBeGreaterThan(0);
    const answer = turns.filter((t) => t.role === "agent").at(-1);
    expect(answer?.text).toMatch(/shipped/i);
    expect(answer?.metrics.voiceToVoiceMs).toBeGreaterThan(0);

    // Listen to the answer: pocketsphinx transcribes what the caller received after the greeting.
    const reply = caller.receivedPcm().subarray(greeting);
    const stt = new PocketsphinxSTT({ language: "en-US" });
    try {
      const heard = await stt.recognize([new AudioFrame(reply, 16_000, 1, reply.length)]);
      expect(heard.alternatives?.[0]?.text ?? "").toMatch(/order|shipped|status/);
    } finally {
      await stt.close();
    }

    const tracks = api.recordings.filter((r) => r.sessionId === sid).map((r) => r.track).sort();
    expect(tracks).toEqual(["agent", "composite", "user"]);
    const composite = api.recordings.find((r) => r.sessionId === sid && r.track === "composite");
    const wav = readWav(composite ? await composite.read() : Buffer.alloc(0));
    expect(wav.samples.length / wav.sampleRateHz).toBeGreaterThan(3);
    expect(api.waveforms.some((w) => w.sessionId === sid)).toBe(true);
  }, 90_000);
});
