// Semantic end of turn on a real call: flite speech over the local media socket, Silero VAD,
// streaming pocketsphinx, the scripted LLM and flite. The user turn reports the end-of-turn
// model's probability and threshold, and the delay follows them. A caller who pauses after a word
// a sentence cannot end on is not cut in on, whatever the audio model makes of flite's voice
// (the lexical cue, turn-continuation.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeEvent } from "@speaknode/contracts";
import { RuntimeApi } from "../api/client.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { localCallIo } from "../transport/local/call-io.ts";
import { connectLocalMedia } from "../transport/local/client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { mediaToken } from "../transport/local/testing.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { speak } from "../../test/speak.ts";
import { runSession } from "./runner.ts";

const rateHz = 16_000;
let api: FakeRuntimeApi;
let media: LocalMediaServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "speaknode-turn-audio-"));
  api = await startFakeRuntimeApi();
  const none = { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined };
  const deps = {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "turn-audio-test" }),
    providers: new ProviderRegistry(none),
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 1000,
    maxResponseChars: 8000,
    recording: { enabled: false, dir: undefined },
  };
  media = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: (channel) => void runSession(localCallIo(channel), deps) });
});

afterAll(async () => {
  await media?.close();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call() {
  const sid = newSessionId();
  const config = runtimeConfig({
    sessionId: sid,
    llm: "scripted",
    locales: [{ language: "en-US", firstMessage: "Hi.", tts: { provider: "flite", model: "flite", voice: "slt", params: {} }, speed: 1, background: { sound: "none", volume: 0.2 } }],
  });
  api.sessions.set(sid, { ...config, agent: { ...config.agent, stt: { provider: "pocketsphinx", model: "en-us", params: {} } } });
  const caller = connectLocalMedia({ url: `${media.url}?session=${sid}`, token: await mediaToken(sid), sampleRateHz: rateHz });
  await caller.ready;
  await caller.untilAgentQuiet(800, 20_000);
  const silence = (ms: number) => caller.streamPcm(new Int16Array((rateHz * ms) / 1000), { realtime: true });
  const turns = () => api.eventsOf(sid).filter((e): e is Extract<RuntimeEvent, { type: "turn" }> => e.type === "turn");
  const userTurns = () => api.eventsOf(sid).filter((e): e is Extract<RuntimeEvent, { type: "turn" }> => e.type === "turn" && e.role === "user");
  return { caller, silence, turns, userTurns };
}

describe("semantic end of turn on a real call", () => {
  it("reports the model's judgement on the caller's turn, and an unsure one holds the turn for the maximum delay", async () => {
    const { caller, silence, userTurns } = await call();
    await caller.streamPcm(speak("my phone number is five five five", dir), { realtime: true });
    await silence(500);
    await expect.poll(() => userTurns().length, { timeout: 30_000 }).toBeGreaterThan(0);
    const turn = userTurns()[0];
    expect(turn?.text).toMatch(/number/);
    expect(turn?.metrics.endOfTurnThreshold).toBeCloseTo(0.36, 2);
    const probability = turn?.metrics.endOfTurnProbability ?? Number.NaN;
    expect(probability).toBeGreaterThanOrEqual(0);
    // Under the threshold the library waits the maximum delay (2500 ms) from the end of the voice;
    // over it, at least the minimum (250 ms). The transcript's own delay can only add to either.
    expect(turn?.metrics.endOfUtteranceDelayMs).toBeGreaterThanOrEqual(probability < 0.36 ? 2500 : 250);
    await caller.end();
  }, 90_000);

  it("does not cut in on a caller who pauses after a word a sentence cannot end on", async () => {
    const { caller, silence, turns, userTurns } = await call();
    await caller.streamPcm(speak("I would like to order a", dir), { realtime: true });
    // Long enough for the VAD's end of speech, the final transcript and the minimum delay.
    await silence(700);
    await caller.streamPcm(speak("large pizza please", dir), { realtime: true });
    await silence(500);
    // The agent answers once the turn is over. Had it cut in at the pause, the second half would
    // interrupt its reply and be a turn of its own by the time the agent has been quiet a while.
    await expect.poll(() => turns().slice(turns().findIndex((t) => t.role === "user")).some((t) => t.role === "agent"), { timeout: 30_000 }).toBe(true);
    await caller.untilAgentQuiet(1500, 20_000);
    const texts = userTurns().map((t) => t.text);
    expect(texts, texts.join(" | ")).toHaveLength(1);
    expect(texts[0]).toMatch(/order/);
    expect(texts[0]).toMatch(/pizza/);
    // The turn ended on "please": the threshold reported is the model's own, not the cue's hold
    // from the pause (the end of the voice is judged before the last words are transcribed).
    expect(userTurns()[0]?.metrics.endOfTurnThreshold).toBeCloseTo(0.36, 2);
    await caller.end();
  }, 90_000);
});
