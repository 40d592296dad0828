// The Twilio Media Streams endpoint at the protocol level: who is admitted, what an admitted
// stream carries each way, and the answering-machine control route. A client speaks Twilio's
// side of the protocol (testing.ts); no agent session runs here (session.test.ts has one).
import { afterEach, describe, expect, it, vi } from "vitest";
import { AudioFrame } from "@livekit/rtc-node";
import { newId } from "@speaknode/contracts";
import { signRuntimeServiceToken } from "@speaknode/tokens";
import { startLocalMediaServer } from "../local/server.ts";
import type { TwilioMediaChannel } from "./channel.ts";
import { ulawDecode } from "./codec.ts";
import { createTwilioMediaStreams, twilioMediaStreamPath } from "./server.ts";
import { connectTwilioStream, phoneMediaToken, testTokenSecret, type TwilioStreamClient } from "./testing.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function serve(options: { handshakeTimeoutMs?: number } = {}) {
  const channels: TwilioMediaChannel[] = [];
  const twilio = createTwilioMediaStreams({ tokenSecret: testTokenSecret, pingIntervalMs: 0, handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000, onChannel: (c) => channels.push(c) });
  const server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, pingIntervalMs: 0, onChannel: () => {}, onRequest: twilio.handleRequest, onUpgrade: twilio.handleUpgrade });
  cleanups.push(async () => {
    await twilio.close();
    await server.close();
  });
  const origin = `127.0.0.1:${server.port}`;
  const connect = (ids?: { callSid?: string }) => {
    const client = connectTwilioStream(`ws://${origin}${twilioMediaStreamPath}`, ids);
    cleanups.push(async () => {
      client.ws.terminate();
      await client.closed;
    });
    return client;
  };
  return { channels, twilio, origin, connect };
}

async function admitted(client: TwilioStreamClient, channels: TwilioMediaChannel[], sessionId: string): Promise<TwilioMediaChannel> {
  await client.opened;
  client.start({ sessionId, token: await phoneMediaToken(sessionId, { callId: client.callSid }) });
  for (let i = 0; i < 200 && !channels.some((c) => c.sessionId === sessionId); i++) await sleep(5);
  const channel = channels.find((c) => c.sessionId === sessionId);
  if (!channel) throw new Error("the stream was not admitted");
  return channel;
}

describe("admission to the Twilio media stream endpoint", () => {
  it("admits a stream whose token is for a phone, this session and this CallSid, and hands out its phone line", async () => {
    const { channels, connect } = await serve();
    const sessionId = newId("session");
    const client = connect();
    const channel = await admitted(client, channels, sessionId);
    expect(channel.phone.provider).toBe("twilio");
    expect(channel.phone.callId).toBe(client.callSid);
    expect(channel.stream.streamSid).toBe(client.streamSid);
  });

  it("refuses bad, expired, mistargeted, reused and late streams with 1008, and never logs the token", async () => {
    const { channels, connect } = await serve({ handshakeTimeoutMs: 300 });
    const logged: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
    const sessionId = newId("session");
    const refusedWith = async (parameters: (client: TwilioStreamClient) => Promise<Record<string, string> | null>) => {
      const client = connect();
      await client.opened;
      const params = await parameters(client);
      if (params) client.start(params);
      return (await client.closed).code;
    };
    const tokens: string[] = [];
    const token = async (options: Parameters<typeof phoneMediaToken>[1] & { sessionId?: string }) => {
      const t = await phoneMediaToken(options.sessionId ?? sessionId, options);
      tokens.push(t);
      return t;
    };

    expect(await refusedWith(async () => ({ sessionId, token: "not-a-token" }))).toBe(1008);
    expect(await refusedWith(async () => ({ sessionId }))).toBe(1008);
    expect(await refusedWith(async (c) => ({ sessionId, token: await token({ callId: c.callSid, ttlS: -10 }) }))).toBe(1008);
    expect(await refusedWith(async (c) => ({ sessionId, token: await token({ callId: c.callSid, secret: "another-secret-of-at-least-32-chars!!" }) }))).toBe(1008);
    expect(await refusedWith(async (c) => ({ sessionId, token: await token({ callId: c.callSid, role: "participant" }) }))).toBe(1008);
    expect(await refusedWith(async (c) => ({ sessionId, token: await token({ callId: c.callSid, sessionId: newId("session") }) }))).toBe(1008);
    expect(await refusedWith(async () => ({ sessionId, token: await token({ callId: "CAsomeoneelse" }) }))).toBe(1008);
    expect(await refusedWith(async () => null)).toBe(1008); // no start within the handshake timeout
    expect(channels).toHaveLength(0);

    // A token without a CallSid (outbound calls) is good for any call, but only once.
    const once = await token({});
    const first = connect();
    await first.opened;
    first.start({ sessionId, token: once });
    for (let i = 0; i < 100 && channels.length === 0; i++) await sleep(5);
    expect(channels).toHaveLength(1);
    await first.stop();
    await channels[0]!.ended;
    expect(await refusedWith(async () => ({ sessionId, token: once }))).toBe(1008);
    expect(channels).toHaveLength(1);

    const refusals = logged.filter((line) => line.includes("twilio media: stream refused"));
    expect(refusals.length).toBeGreaterThanOrEqual(9);
    for (const t of tokens) expect(logged.join("\n")).not.toContain(t);
  });

  it("holds one live stream per session", async () => {
    const { channels, connect } = await serve();
    const sessionId = newId("session");
    await admitted(connect(), channels, sessionId);
    const second = connect();
    await second.opened;
    second.start({ sessionId, token: await phoneMediaToken(sessionId) });
    expect((await second.closed).code).toBe(1008);
    expect(channels).toHaveLength(1);
  });

  it("leaves /v1/media and other paths to the local transport", async () => {
    const { origin } = await serve();
    const response = await fetch(`http://${origin}/healthz`);
    expect(response.status).toBe(200);
  });
});

describe("an admitted Twilio stream", () => {
  it("turns μ-law 8 kHz media into 16 kHz frames of the session's input, and the frames Twilio sent during admission are not lost", async () => {
    const { channels, connect } = await serve();
    const sessionId = newId("session");
    const client = connect();
    await client.opened;
    client.start({ sessionId, token: await phoneMediaToken(sessionId, { callId: client.callSid }) });
    // straight after start, as Twilio does: these arrive while the token is being checked
    const tone = new Int16Array(160 * 5).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 8000)));
    void client.streamPcm(tone, { realtime: false });
    for (let i = 0; i < 200 && channels.length === 0; i++) await sleep(5);
    const frames: AudioFrame[] = [];
    const reader = channels[0]!.input.stream.getReader();
    while (frames.length < 5) frames.push((await reader.read()).value!);
    reader.releaseLock();
    expect(frames.every((f) => f.sampleRate === 16000 && f.samplesPerChannel === 320)).toBe(true);
    const peak = Math.max(...frames.slice(1).flatMap((f) => [...f.data].map(Math.abs)));
    expect(peak).toBeGreaterThan(6000);
  });

  it("sends the agent's voice as 160-byte μ-law media for its stream, a mark after each utterance, and clear on barge-in", async () => {
    const { channels, connect } = await serve();
    const sessionId = newId("session");
    const client = connect();
    const channel = await admitted(client, channels, sessionId);
    const voice = new Int16Array(16000 / 100).fill(4000); // 10 ms frames, 300 ms
    for (let i = 0; i < 30; i++) await channel.output.captureFrame(new AudioFrame(voice, 16000, 1, voice.length));
    channel.output.flush();
    await channel.output.waitForPlayout();
    await sleep(50);
    const media = client.messages.filter((m) => m.event === "media");
    expect(media.length).toBe(15);
    expect(client.received.every((r) => r.bytes.length === 160 && r.streamSid === client.streamSid)).toBe(true);
    const level = ulawDecode(client.received[5]!.bytes);
    expect(Math.abs(level[80]! - 4000)).toBeLessThan(200);
    expect(client.marks.map((m) => m.name)).toEqual(["seg-1"]);
    expect(client.messages.at(-1)).toEqual({ event: "mark", streamSid: client.streamSid, mark: { name: "seg-1" } });

    for (let i = 0; i < 100; i++) await channel.output.captureFrame(new AudioFrame(voice, 16000, 1, voice.length));
    await sleep(200);
    channel.output.clearBuffer();
    await sleep(300);
    expect(client.clears).toHaveLength(1);
    // what was queued was dropped: nothing follows the clear (and 2 s of voice had been captured)
    expect(client.messages.at(-1)).toEqual({ event: "clear", streamSid: client.streamSid });
    expect(client.received.length).toBeLessThan(15 + 30);
  });

  it("passes the caller's keys to the phone line", async () => {
    const { channels, connect } = await serve();
    const sessionId = newId("session");
    const client = connect();
    const channel = await admitted(client, channels, sessionId);
    const keys: string[] = [];
    channel.phone.onDtmf((digit) => keys.push(digit));
    for (const digit of ["1", "#", "9"]) client.sendDtmf(digit);
    await sleep(100);
    expect(keys).toEqual(["1", "#", "9"]);
  });

  it("plays the agent's keys as DTMF tones and resolves once Twilio says they played", async () => {
    const { channels, connect } = await serve();
    const sessionId = newId("session");
    const client = connect();
    const channel = await admitted(client, channels, sessionId);
    const t0 = Date.now();
    await channel.phone.sendDtmf("5");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(130); // 70 ms tone + 70 ms gap, played in real time
    const mark = client.marks.find((m) => m.name.startsWith("dtmf-"));
    expect(mark?.echoedAtMs).toBeDefined();
    const heard = client.receivedPcm();
    const power = (hz: number) => {
      const coeff = 2 * Math.cos((2 * Math.PI * hz) / 8000);
      let s1 = 0;
      let s2 = 0;
      for (const x of heard) [s1, s2] = [x + coeff * s1 - s2, s1];
      return s1 * s1 + s2 * s2 - coeff * s1 * s2;
    };
    expect(power(770)).toBeGreaterThan(50 * power(697));
    expect(power(1336)).toBeGreaterThan(50 * power(1209));
    // the sender falls silent again once the keys have gone out
    const sent = client.received.length;
    await sleep(200);
    expect(client.received.length).toBe(sent);
  });

  it("ends as the caller hanging up on stop, and as a lost line when the socket drops", async () => {
    const { channels, connect } = await serve();
    const a = newId("session");
    const first = connect();
    const channel = await admitted(first, channels, a);
    await first.stop();
    expect(await channel.ended).toEqual({ reason: "caller hung up", failed: false });

    const second = connect();
    const dropped = await admitted(second, channels, newId("session"));
    second.ws.terminate();
    expect(await dropped.ended).toEqual({ reason: "media connection lost", failed: true });
  });

  it("fails on a protocol error (media for another stream) and closes the socket", async () => {
    const { channels, connect } = await serve();
    const client = connect();
    const channel = await admitted(client, channels, newId("session"));
    client.sendRaw(JSON.stringify({ event: "media", sequenceNumber: "9", streamSid: "MZother", media: { track: "inbound", chunk: "1", timestamp: "1", payload: "" } }));
    expect(await channel.ended).toEqual({ reason: "media protocol error", failed: true });
    expect((await client.closed).code).toBe(1002);
  });

  it("closes the stream (ending the call) once the agent's last words have played", async () => {
    const { channels, connect } = await serve();
    const client = connect();
    const channel = await admitted(client, channels, newId("session"));
    const voice = new Int16Array(160).fill(3000);
    for (let i = 0; i < 20; i++) await channel.output.captureFrame(new AudioFrame(voice, 16000, 1, voice.length));
    channel.output.flush();
    const t0 = Date.now();
    await channel.close("the agent ended the call");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(120); // 200 ms of voice, minus the lead already queued
    expect(client.received).toHaveLength(10);
    expect((await client.closed).code).toBe(1000);
    expect(await channel.ended).toEqual({ reason: "the agent ended the call", failed: false });
  });
});

describe("POST /v1/twilio/sessions/{id}/answered-by", () => {
  const post = (origin: string, sessionId: string, token: string, body: unknown) =>
    fetch(`http://${origin}/v1/twilio/sessions/${sessionId}/answered-by`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const workerToken = (sessionId: string, subject = "worker") => signRuntimeServiceToken(testTokenSecret, { ttlS: 60, subject, sessionId });

  it("hands the verdict to the live call's phone line (204)", async () => {
    const { channels, connect, origin } = await serve();
    const sessionId = newId("session");
    const channel = await admitted(connect(), channels, sessionId);
    const verdicts: string[] = [];
    channel.phone.onAnsweredBy((v) => verdicts.push(v));
    const response = await post(origin, sessionId, await workerToken(sessionId), { answeredBy: "machine_end_beep" });
    expect(response.status).toBe(204);
    expect(verdicts).toEqual(["machine_end_beep"]);
  });

  it("replays the newest verdict to a listener that subscribes after it came", async () => {
    const { channels, connect, origin } = await serve();
    const sessionId = newId("session");
    const channel = await admitted(connect(), channels, sessionId);
    expect((await post(origin, sessionId, await workerToken(sessionId), { answeredBy: "machine_end_beep" })).status).toBe(204);
    const verdicts: string[] = [];
    channel.phone.onAnsweredBy((v) => verdicts.push(v));
    await new Promise((r) => setTimeout(r, 0));
    expect(verdicts).toEqual(["machine_end_beep"]);
  });

  it("answers 404 without a live call, 401 for a bad or mistargeted token, 400 for a bad body", async () => {
    const { channels, connect, origin } = await serve();
    const sessionId = newId("session");
    const other = newId("session");
    expect((await post(origin, other, await workerToken(other), { answeredBy: "human" })).status).toBe(404);
    await admitted(connect(), channels, sessionId);
    expect((await post(origin, sessionId, "nope", { answeredBy: "human" })).status).toBe(401);
    expect((await post(origin, sessionId, await workerToken(other), { answeredBy: "human" })).status).toBe(401);
    expect((await post(origin, sessionId, await workerToken(sessionId, "voice-runtime"), { answeredBy: "human" })).status).toBe(401);
    expect((await post(origin, sessionId, await phoneMediaToken(sessionId), { answeredBy: "human" })).status).toBe(401);
    const bad = await post(origin, sessionId, await workerToken(sessionId), { answeredBy: "Machine End!" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect((await post(origin, sessionId, await workerToken(sessionId), "{")).status).toBe(400);
  });
});
