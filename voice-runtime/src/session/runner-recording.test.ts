// The session runner with recording on (text mode: the tracks hold the call's wall-clock time,
// silent): at the end it uploads them, keeps the session alive while it does, and removes the
// files only once the uploads are confirmed.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeApi } from "../api/client.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import type { CallEnd } from "../transport/types.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { startSession, type CallIo, type RunnerDeps } from "./runner.ts";

let api: FakeRuntimeApi;
let dir: string;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  dir = await mkdtemp(join(tmpdir(), "runner-recording-"));
});
afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function deps(attempts: number): RunnerDeps {
  const none = undefined;
  const providers = new ProviderRegistry(
    { openaiApiKey: none, openaiBaseUrl: none, openrouterApiKey: none, llmApiKey: none, llmBaseUrl: none, deepgramApiKey: none, elevenlabsApiKey: none, cartesiaApiKey: none },
    {
      stt: { fake: (_choice, language) => new FixedLatencySTT({ latencyMs: 0, transcripts: [], language }) },
      tts: { fake: () => new FixedLatencyTTS({ ttfbMs: 0 }) },
    },
  );
  return {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "runner-recording-test", attempts, retryBaseMs: 10 }),
    providers,
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 100,
    maxResponseChars: 8000,
    recording: { enabled: true, dir },
  };
}

async function callThatHangsUp(sessionId: string, attempts = 3) {
  api.sessions.set(sessionId, runtimeConfig({ sessionId, llm: "scripted" }));
  let hangUp!: (end: CallEnd) => void;
  const ended = new Promise<CallEnd>((resolve) => (hangUp = resolve));
  const io: CallIo = { sessionId, attach: () => ({}), ended, setBackground: () => undefined, close: async () => undefined };
  const result = await startSession(io, deps(attempts));
  if (!("session" in result)) throw new Error(`the session did not start: ${result.reason}`);
  await result.session.run({ userInput: "Hello" }).wait();
  hangUp({ reason: "caller hung up", failed: false });
  return result.outcome;
}

const dirsOf = async (sessionId: string) => (await readdir(dir)).filter((name) => name.includes(sessionId));

describe("the session runner's recording", () => {
  it("keeps the session alive with heartbeats while the tracks upload, reports completion after, then removes the files", async () => {
    const sid = newSessionId();
    api.recordingStore.partDelayMs = 700;
    try {
      expect(await callThatHangsUp(sid)).toMatchObject({ status: "completed" });
    } finally {
      api.recordingStore.partDelayMs = 0;
    }
    const tracks = api.recordings.filter((r) => r.sessionId === sid);
    expect(tracks.map((r) => r.track).sort()).toEqual(["agent", "composite", "user"]);
    const uploadStart = Math.min(...tracks.map((r) => r.startedAtMs));
    const uploadEnd = Math.max(...tracks.map((r) => r.completedAtMs));
    const during = api.events.filter((e) => e.sessionId === sid && e.event.type === "heartbeat" && e.atMs > uploadStart && e.atMs < uploadEnd);
    // three parts of 700 ms at a heartbeat every 100 ms
    expect(during.length).toBeGreaterThanOrEqual(5);
    expect(api.eventsOf(sid).at(-1)).toMatchObject({ type: "completed", audioAvailable: true });
    expect(await dirsOf(sid)).toEqual([]);
  });

  it("leaves the files on disk, unowned, when an upload fails", async () => {
    const sid = newSessionId();
    api.recordingStore.failNextParts = 1;
    expect(await callThatHangsUp(sid, 1)).toMatchObject({ status: "completed" });
    expect(api.eventsOf(sid).at(-1)).toMatchObject({ type: "completed", audioAvailable: false });
    const [left] = await dirsOf(sid);
    expect((await readdir(join(dir, left ?? ""))).sort()).toEqual(["agent.wav", "composite.wav", "user.wav"]);
  });
});
