// Voice-to-voice over the phone paths against the web path, in one run. Three callers speak the
// same flite utterance into three live sessions on one media server: one over the local WebSocket
// transport (PCM16 16 kHz, as a browser), one over the Twilio Media Streams transport (μ-law
// 8 kHz in 20 ms `media` messages, as Twilio), and one as a VoxEngine scenario's WebSocket (PCM16
// 8 kHz in VoxImplant's media format) through the VoxImplant media bridge into the local transport. Both sessions run the same runner with Silero VAD
// and the runtime bench's fixed-latency fakes (STT 100 ms, LLM TTFT 200 ms, TTS TTFB 100 ms);
// turns rotate between them so that all see the same machine load. Voice-to-voice is
// measured at each caller: from the last speech frame it sent to the first agent audio it
// received. The ratio is the phone's median over the web's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initializeLogger, voice } from "@livekit/agents";
import { RuntimeApi } from "../src/api/client.ts";
import { setLogLevel } from "../src/log.ts";
import { ProviderRegistry } from "../src/providers/registry.ts";
import { runSession, type RunnerDeps, type SessionOutcome } from "../src/session/runner.ts";
import { createHttpGuard } from "../src/tools/http-guard.ts";
import { localCallIo } from "../src/transport/local/call-io.ts";
import { connectLocalMedia } from "../src/transport/local/client.ts";
import { startLocalMediaServer } from "../src/transport/local/server.ts";
import { mediaToken } from "../src/transport/local/testing.ts";
import { twilioCallIo } from "../src/transport/twilio/call-io.ts";
import { createTwilioMediaStreams, twilioMediaStreamPath } from "../src/transport/twilio/server.ts";
import { connectTwilioStream, phoneMediaToken } from "../src/transport/twilio/testing.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../test/fake-providers.ts";
import { localSinkFactory } from "../src/bridge/local-sink.ts";
import { startVoximplantBridge } from "../src/bridge/server.ts";
import { callToken, fakeScenario } from "../src/bridge/testing.ts";
import { startFakeRuntimeApi, testTokenSecret } from "../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../test/fixtures.ts";
import { speak } from "../test/speak.ts";

const sttMs = 100;
const ttftMs = 200;
const ttfbMs = 100;
const frameMs = 20;
const phrase = "hello there, how are you";
/** Frames louder than this (about -36 dBFS) count as speech. */
const speechRms = 500;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await sleep(5);
  }
  return false;
}

/** One caller's line: 20 ms frames in real time (silence unless it speaks), and what came back. */
class Caller {
  readonly name: string;
  readonly received: { atMs: number }[];
  readonly #speech: Int16Array;
  readonly #frameSamples: number;
  readonly #send: (frame: Int16Array) => void;
  #queue: Int16Array[] = [];
  #running = true;
  lastSpeechSentAtMs = 0;
  readonly #done: Promise<void>;

  readonly #now: () => number;

  constructor(name: string, line: { rateHz: number; speech: Int16Array; received: { atMs: number }[]; send: (frame: Int16Array) => void; now?: () => number }) {
    this.name = name;
    // The clock `received` is stamped with (the VoxImplant test client stamps with performance.now()).
    this.#now = line.now ?? Date.now;
    this.received = line.received;
    this.#speech = line.speech;
    this.#frameSamples = (line.rateHz * frameMs) / 1000;
    this.#send = line.send;
    this.#done = this.#stream();
  }

  async #stream(): Promise<void> {
    const start = Date.now();
    for (let i = 0; this.#running; i++) {
      const frame = this.#queue.shift();
      this.#send(frame ?? new Int16Array(this.#frameSamples));
      if (frame && rms(frame) > speechRms) this.lastSpeechSentAtMs = this.#now();
      await sleep(Math.max(0, start + (i + 1) * frameMs - Date.now()));
    }
  }

  say(): void {
    for (let at = 0; at < this.#speech.length; at += this.#frameSamples) {
      const frame = new Int16Array(this.#frameSamples);
      frame.set(this.#speech.subarray(at, Math.min(at + this.#frameSamples, this.#speech.length)));
      this.#queue.push(frame);
    }
  }

  get speaking(): boolean {
    return this.#queue.length > 0;
  }

  /** One turn: speak, and the time from the end of the speech to the first agent audio. */
  async turn(label: string): Promise<number> {
    const before = this.received.length;
    this.say();
    await until(() => !this.speaking, 10_000);
    const speechEnd = this.lastSpeechSentAtMs;
    if (!(await until(() => this.received.length > before, 10_000))) throw new Error(`${this.name} ${label}: no reply`);
    return (this.received[before]?.atMs ?? Number.NaN) - speechEnd;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

export async function phoneBench(opts: { turns?: number } = {}): Promise<string[]> {
  initializeLogger({ pretty: false, level: "error" });
  setLogLevel("error");
  const turns = opts.turns ?? 12;
  const warmup = 2;
  const dir = mkdtempSync(join(tmpdir(), "speaknode-bench-phone-"));
  const api = await startFakeRuntimeApi();
  const deps = (): RunnerDeps => ({
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "bench-phone" }),
    providers: new ProviderRegistry(
      { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined },
      {
        llm: { fake: () => new voice.testing.FakeLLM([{ input: "hello", content: "Okay, noted.", ttft: ttftMs }]) },
        stt: { fake: () => new FixedLatencySTT({ latencyMs: sttMs, transcripts: Array.from({ length: turns + 10 }, () => "hello") }) },
        tts: { fake: () => new FixedLatencyTTS({ ttfbMs, msPerChar: 5 }) },
      },
    ),
    guard: createHttpGuard({ allowPrivateHosts: [] }),
    heartbeatIntervalMs: 5000,
    maxResponseChars: 8000,
    recording: { enabled: true, dir },
  });
  const outcomes: Promise<SessionOutcome>[] = [];
  const twilio = createTwilioMediaStreams({ tokenSecret: testTokenSecret, onChannel: (channel) => outcomes.push(runSession(twilioCallIo(channel), deps())) });
  const server = await startLocalMediaServer({
    port: 0,
    tokenSecret: testTokenSecret,
    onChannel: (channel) => outcomes.push(runSession(localCallIo(channel), deps())),
    onRequest: twilio.handleRequest,
    onUpgrade: twilio.handleUpgrade,
  });

  const bridge = await startVoximplantBridge({ port: 0, tokenSecret: testTokenSecret, sink: localSinkFactory({ mediaUrl: server.url, tokenSecret: testTokenSecret }) });

  const webSid = newSessionId();
  const phoneSid = newSessionId();
  const voxSid = newSessionId();
  api.sessions.set(webSid, runtimeConfig({ sessionId: webSid }));
  api.sessions.set(phoneSid, runtimeConfig({ sessionId: phoneSid }));
  api.sessions.set(voxSid, runtimeConfig({ sessionId: voxSid }));
  const webClient = connectLocalMedia({ url: `${server.url}?session=${webSid}`, token: await mediaToken(webSid), sampleRateHz: 16_000 });
  await webClient.ready;
  const phoneClient = connectTwilioStream(`ws://127.0.0.1:${server.port}${twilioMediaStreamPath}`);
  await phoneClient.opened;
  phoneClient.start({ sessionId: phoneSid, token: await phoneMediaToken(phoneSid, { callId: phoneClient.callSid, secret: testTokenSecret }) });

  const voxClient = fakeScenario(`${bridge.url}?token=${await callToken(voxSid, { secret: testTokenSecret })}`, { codec: "pcm16", sampleRateHz: 8000 });
  await voxClient.opened;
  voxClient.start();

  const web = new Caller("web", { rateHz: 16_000, speech: speak(phrase, dir, 16_000), received: webClient.received, send: (f) => webClient.sendPcm(f) });
  const phone = new Caller("phone", { rateHz: 8000, speech: speak(phrase, dir, 8000), received: phoneClient.received, send: (f) => phoneClient.sendPcm(f) });
  const vox = new Caller("voximplant", { rateHz: 8000, speech: speak(phrase, dir, 8000), received: voxClient.media, send: (f) => voxClient.sendSamples(f), now: () => performance.now() });
  const webMs: number[] = [];
  const phoneMs: number[] = [];
  const voxMs: number[] = [];
  try {
    // Both greetings play first.
    await until(() => webClient.received.length > 0 && phoneClient.received.length > 0 && voxClient.media.length > 0, 15_000);
    await sleep(1500);
    for (let turn = 0; turn < turns + warmup; turn++) {
      // Alternate which goes first, so neither always follows the other's reply.
      const callers = [web, phone, vox];
      const order = [...callers.slice(turn % 3), ...callers.slice(0, turn % 3)];
      for (const caller of order) {
        const ms = await caller.turn(`turn ${turn}`);
        if (turn >= warmup) (caller === web ? webMs : caller === phone ? phoneMs : voxMs).push(ms);
        // Let the short reply play out before the next turn.
        await sleep(600);
      }
    }
  } finally {
    await web.stop();
    await phone.stop();
    await vox.stop();
    voxClient.stop();
    voxClient.ws.close(1000);
    await voxClient.closed;
    await bridge.close();
    await webClient.end();
    await phoneClient.stop();
    await Promise.allSettled(outcomes);
    await twilio.close();
    await server.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)] ?? Number.NaN;
  };
  const phoneP50 = median(phoneMs);
  const webP50 = median(webMs);
  const voxP50 = median(voxMs);
  return [
    `BENCH phone.voximplant.voice_to_voice.p50_ms=${voxP50.toFixed(1)} ms`,
    `BENCH phone.voximplant.vs_twilio.voice_to_voice_ratio=${(voxP50 / phoneP50).toFixed(3)} x`,
    `BENCH phone.voice_to_voice.p50_ms=${phoneP50.toFixed(1)} ms`,
    `BENCH phone.web.voice_to_voice.p50_ms=${webP50.toFixed(1)} ms`,
    `BENCH phone.vs_web.voice_to_voice_ratio=${(phoneP50 / webP50).toFixed(3)} x`,
    `(${voxMs.length} VoxImplant turns — a VoxEngine scenario's WebSocket in VoxImplant's media format, PCM16 8 kHz, through the media bridge into the local transport — beside the Twilio ones of the same run; ${phoneMs.length} phone turns over Twilio Media Streams — μ-law 8 kHz, 20 ms media messages — and ${webMs.length} web turns over the local transport at 16 kHz, alternating, into sessions with Silero VAD and fixed STT ${sttMs} ms / LLM TTFT ${ttftMs} ms / TTS TTFB ${ttfbMs} ms; from the caller's last speech frame to the first agent audio it receives, including the end-of-speech silence; target ratio ≤ 1.15)`,
  ];
}
