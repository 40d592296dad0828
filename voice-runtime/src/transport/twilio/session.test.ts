// A phone call through the Twilio transport into a real session: Twilio's side streams a flite
// utterance as μ-law 8 kHz, Silero hears it at 16 kHz, the scripted LLM answers through a TTS
// of known latency, and the agent's voice comes back as μ-law `media` for the stream. The same
// runner as the web transport runs it (runSession over twilioCallIo).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { voice } from "@livekit/agents";
import { signRuntimeServiceToken } from "@speaknode/tokens";
import { RuntimeApi } from "../../api/client.ts";
import { ProviderRegistry } from "../../providers/registry.ts";
import { runSession, type RunnerDeps, type SessionOutcome } from "../../session/runner.ts";
import { createHttpGuard } from "../../tools/http-guard.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../../test/fake-providers.ts";
import { startFakeRuntimeApi, type FakeRuntimeApi } from "../../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../../test/fixtures.ts";
import { speak } from "../../../test/speak.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../local/server.ts";
import { twilioCallIo } from "./call-io.ts";
import type { TwilioMediaChannel } from "./channel.ts";
import { createTwilioMediaStreams, twilioMediaStreamPath, type TwilioMediaStreams } from "./server.ts";
import { connectTwilioStream, phoneMediaToken, testTokenSecret } from "./testing.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await sleep(10);
  }
  return predicate();
}

let dir: string;
let api: FakeRuntimeApi;
let twilio: TwilioMediaStreams;
let server: LocalMediaServer;
const stt = new FixedLatencySTT({ latencyMs: 50, transcripts: ["hello", "hello", "hello"] });
const tts = new FixedLatencyTTS({ ttfbMs: 50, msPerChar: 20 });
const runs: { channel: TwilioMediaChannel; outcome: Promise<SessionOutcome> }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twilio-session-"));
  api = await startFakeRuntimeApi();
  const deps: RunnerDeps = {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "twilio-test" }),
    providers: new ProviderRegistry(
      { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined },
      {
        llm: { fake: () => new voice.testing.FakeLLM([{ input: "hello", content: "Okay, noted." }]) },
        stt: { fake: () => stt },
        tts: { fake: () => tts },
      },
    ),
    guard: createHttpGuard({ allowPrivateHosts: [] }),
    heartbeatIntervalMs: 5000,
    maxResponseChars: 8000,
    recording: { enabled: false, dir: undefined },
  };
  twilio = createTwilioMediaStreams({
    tokenSecret: testTokenSecret,
    pingIntervalMs: 0,
    onChannel: (channel) => runs.push({ channel, outcome: runSession(twilioCallIo(channel), deps) }),
  });
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, pingIntervalMs: 0, onChannel: () => {}, onRequest: twilio.handleRequest, onUpgrade: twilio.handleUpgrade });
});

afterAll(async () => {
  await twilio.close();
  await server.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a phone call over Twilio Media Streams", () => {
  it("greets, hears the caller, answers as μ-law media for the stream, stops on barge-in, takes keys and the machine verdict, and completes when the caller hangs up", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid }));
    const caller = speak("hello there, how are you", dir, 8000);
    const client = connectTwilioStream(`ws://127.0.0.1:${server.port}${twilioMediaStreamPath}`);
    await client.opened;
    client.start({ sessionId: sid, token: await phoneMediaToken(sid, { callId: client.callSid }) });

    // The greeting plays, on a line that carries silence meanwhile as a phone line does.
    let talking = true;
    const line = (async () => {
      while (talking) await client.streamPcm(new Int16Array(160 * 5), { realtime: true });
    })();
    expect(await until(() => client.received.length > 0, 20_000)).toBe(true);
    await api.waitFor(sid, "agent.ready");
    await sleep(1500);
    const run = runs.find((r) => r.channel.sessionId === sid)!;
    expect(client.received.every((r) => r.streamSid === client.streamSid && r.bytes.length === 160)).toBe(true);

    // The caller speaks; the agent answers.
    talking = false;
    await line;
    const beforeReply = client.received.length;
    await client.streamPcm(caller, { realtime: true });
    await client.streamPcm(new Int16Array(8000), { realtime: true });
    expect(await until(() => client.received.length > beforeReply + 5, 10_000)).toBe(true);
    const turn = await api.waitFor(sid, "turn");
    expect(turn).toMatchObject({ type: "turn" });
    await until(() => api.eventsOf(sid).some((e) => e.type === "turn" && e.role === "agent"), 5000);
    expect(api.eventsOf(sid).flatMap((e) => (e.type === "turn" ? [[e.role, e.text]] : []))).toEqual(
      expect.arrayContaining([
        ["user", "hello"],
        ["agent", "Okay, noted."],
      ]),
    );
    expect(stt.heard.at(-1)).toBeGreaterThan(0.8); // the utterance, heard through μ-law and 8 → 16 kHz
    await sleep(1000);

    // A long reply, and the caller talks over it: Twilio is told to drop what it queued.
    tts.msPerChar = 400;
    await client.streamPcm(caller, { realtime: true });
    await client.streamPcm(new Int16Array(8000), { realtime: true });
    const beforeLong = client.received.length;
    expect(await until(() => client.received.length > beforeLong + 10, 10_000)).toBe(true);
    expect(client.clears).toHaveLength(0);
    await client.streamPcm(caller, { realtime: true });
    expect(await until(() => client.clears.length > 0, 5000)).toBe(true);
    await client.streamPcm(new Int16Array(8000), { realtime: true });

    // Keys and the answering-machine verdict reach the session's phone line.
    const io = twilioCallIo(run.channel);
    const keys: string[] = [];
    const verdicts: string[] = [];
    io.phone?.onDtmf((digit) => keys.push(digit));
    io.phone?.onAnsweredBy((verdict) => verdicts.push(verdict));
    client.sendDtmf("7");
    const token = await signRuntimeServiceToken(testTokenSecret, { ttlS: 60, subject: "worker", sessionId: sid });
    const answered = await fetch(`http://127.0.0.1:${server.port}/v1/twilio/sessions/${sid}/answered-by`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ answeredBy: "human" }) });
    expect(answered.status).toBe(204);
    expect(await until(() => keys.length > 0, 2000)).toBe(true);
    expect(keys).toEqual(["7"]);
    expect(verdicts).toEqual(["human"]);

    // Twilio's stop: the caller hung up.
    await client.stop();
    expect(await run.outcome).toMatchObject({ status: "completed", reason: "caller_hung_up" });
    expect(api.eventsOf(sid).at(-1)).toMatchObject({ type: "completed", endReason: "caller_hung_up" });
  }, 90_000);
});
