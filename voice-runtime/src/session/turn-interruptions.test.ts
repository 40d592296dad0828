// Interruptions, frames in / frames out: a caller on the local media socket speaks real flite
// audio over the agent's greeting (a long tone from the fake TTS); the fake STT says what was
// heard. A backchannel pauses the greeting and it resumes and plays to its end; real words drop it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { voice } from "@livekit/agents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeApi } from "../api/client.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { localCallIo } from "../transport/local/call-io.ts";
import { connectLocalMedia } from "../transport/local/client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { mediaToken } from "../transport/local/testing.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { speak } from "../../test/speak.ts";
import { stoppedAt } from "../../bench/harness.ts";
import { startSession, type RunningSession } from "./runner.ts";
import { ACTIVITY_INTERNALS, PATCHED_AGENTS_VERSION, patchRefusal } from "./turn-interruptions.ts";

const rateHz = 16_000;
/** The greeting "Hello Ada!" as a tone of 10 characters × 400 ms. */
const greetingMs = 4000;
let api: FakeRuntimeApi;
let media: LocalMediaServer;
let dir: string;
const transcripts: string[] = [];
const running: RunningSession[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "speaknode-turns-"));
  api = await startFakeRuntimeApi();
  const none = { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined };
  const providers = new ProviderRegistry(none, {
    stt: { fake: (_choice, language) => new FixedLatencySTT({ latencyMs: 50, transcripts: transcripts.splice(0), language }) },
    tts: { fake: () => new FixedLatencyTTS({ ttfbMs: 0, msPerChar: greetingMs / 10 }) },
  });
  const deps = {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "turns-test" }),
    providers,
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 1000,
    maxResponseChars: 8000,
    recording: { enabled: false, dir: undefined },
  };
  media = await startLocalMediaServer({
    port: 0,
    tokenSecret: testTokenSecret,
    onChannel: (channel) => void startSession(localCallIo(channel), deps).then((s) => void ("session" in s && running.push(s))),
  });
});

afterAll(async () => {
  await media?.close();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A call whose caller says `spoken` 1 s into the greeting; the STT hears `heard`. `before`: what
 * the caller says (and the STT hears) first, 1 s into the greeting, with 300 ms of silence after.
 */
async function speakOverGreeting(spoken: string, heard: string, before?: string) {
  const sid = newSessionId();
  if (before !== undefined) transcripts.push(before);
  transcripts.push(heard);
  api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted" }));
  const started = running.length;
  const caller = connectLocalMedia({ url: `${media.url}?session=${sid}`, token: await mediaToken(sid), sampleRateHz: rateHz });
  await caller.ready;
  await expect.poll(() => caller.received.length, { timeout: 20_000 }).toBeGreaterThan(0);
  // The greeting starts before the session is handed back (it does not wait for agent.ready's answer).
  await expect.poll(() => running.length, { timeout: 10_000 }).toBeGreaterThan(started);
  const session = running.at(-1)?.session;
  const falseInterruptions: voice.AgentFalseInterruptionEvent[] = [];
  session?.on(voice.AgentSessionEventTypes.AgentFalseInterruption, (ev) => falseInterruptions.push(ev));
  await new Promise((r) => setTimeout(r, 1000));
  if (before !== undefined) {
    await caller.streamPcm(speak(before, dir, rateHz), { realtime: true });
    await caller.streamPcm(new Int16Array((rateHz * 3) / 10), { realtime: true });
  }
  const spokenAt = Date.now();
  await caller.streamPcm(speak(spoken, dir, rateHz), { realtime: true });
  await caller.streamPcm(new Int16Array(rateHz / 2), { realtime: true });
  await caller.untilAgentQuiet(1500, 15_000);
  const greeting = () => api.eventsOf(sid).find((e) => e.type === "turn" && e.role === "agent");
  await expect.poll(greeting, { timeout: 10_000 }).toBeDefined();
  // The greeting's audio: what arrived before the first clear (an interruption), or all of it.
  const cut = caller.clears[0] ?? Number.POSITIVE_INFINITY;
  const agentSeconds = caller.received.filter((a) => a.atMs <= cut).reduce((n, a) => n + a.samples.length, 0) / rateHz;
  // Greeting frames that reached the caller after the last words had silenced it, before the clear.
  const quietAt = stoppedAt(caller.received, spokenAt);
  const heardAgain = caller.received.filter((a) => a.atMs > quietAt && a.atMs <= cut).length;
  const userTurns = api.eventsOf(sid).filter((e) => e.type === "turn" && e.role === "user");
  await caller.end();
  return { greeting: greeting(), agentSeconds, userTurns, falseInterruptions, heardAgain };
}

describe("interruptions over the agent's reply", () => {
  it("resumes the reply at once after a backchannel, and the reply plays to its end", async () => {
    const { greeting, agentSeconds, userTurns, falseInterruptions } = await speakOverGreeting("yeah", "yeah");
    expect(falseInterruptions).toEqual([expect.objectContaining({ resumed: true })]);
    expect(greeting).toMatchObject({ interrupted: false });
    // The whole greeting reached the caller, never cleared.
    expect(agentSeconds).toBeGreaterThan((greetingMs - 100) / 1000);
    expect(agentSeconds).toBeLessThan((greetingMs + 500) / 1000);
    expect(userTurns).toEqual([]);
    const activity: unknown = running.at(-1)?.session._activity;
    expect(patchRefusal(Object.getPrototypeOf(activity) as object)).toBeNull();
  }, 60_000);

  it("drops the reply when the caller says more than a backchannel", async () => {
    const { greeting, agentSeconds, userTurns } = await speakOverGreeting("please stop talking", "please stop talking");
    expect(greeting).toMatchObject({ interrupted: true });
    expect(agentSeconds).toBeLessThan(greetingMs / 1000 - 1);
    expect(userTurns).toHaveLength(1);
  }, 60_000);

  it("does not resume the reply over real words because an earlier backchannel was not yet a turn", async () => {
    // "mm-hmm" resumes the greeting; its turn is still waiting on the end-of-turn delay when the
    // caller speaks again, so its words are still the library's transcript when the next speech ends.
    const { greeting, heardAgain, falseInterruptions } = await speakOverGreeting("please stop talking", "please stop talking", "mm-hmm");
    expect(falseInterruptions).toEqual([expect.objectContaining({ resumed: true })]);
    expect(greeting).toMatchObject({ interrupted: true });
    expect(heardAgain).toBe(0);
  }, 60_000);

  it("lists every internal it uses", () => {
    expect(ACTIVITY_INTERNALS).toContain("onFinalTranscript");
    expect(patchRefusal({}, "1.9.0")).toMatch(/lacks onStartOfSpeech, onFinalTranscript/);
    expect(patchRefusal({}, "1.10.0")).toMatch(/not 1\.9\.0/);
  });
});
