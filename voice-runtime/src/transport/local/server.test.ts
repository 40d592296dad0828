import { afterEach, describe, expect, it } from "vitest";
import { mediaProtocolVersion } from "@speaknode/contracts";
import { setLogLevel } from "../../log.ts";
import type { LocalMediaChannel } from "./channel.ts";
import { connectLocalMedia } from "./client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "./server.ts";
import { mediaToken, rawSocket, testTokenSecret } from "./testing.ts";

setLogLevel("error");

let server: LocalMediaServer | undefined;
const channels: { channel: LocalMediaChannel; role: string | undefined }[] = [];

afterEach(async () => {
  await server?.close();
  server = undefined;
  channels.length = 0;
});

async function start(options: { helloTimeoutMs?: number } = {}): Promise<LocalMediaServer> {
  server = await startLocalMediaServer({
    port: 0,
    tokenSecret: testTokenSecret,
    pingIntervalMs: 0,
    ...options,
    onChannel: (channel, info) => channels.push({ channel, role: info.role }),
  });
  return server;
}

const urlFor = (s: LocalMediaServer, sessionId: string) => `${s.url}?session=${sessionId}`;

function hello(ws: { send(text: string): void }, token: string, overrides: Record<string, unknown> = {}): void {
  ws.send(JSON.stringify({ type: "hello", protocolVersion: mediaProtocolVersion, token, sampleRateHz: 16000, encoding: "pcm16le", ...overrides }));
}

describe("local media server: handshake", () => {
  it("answers a hello with a valid media token with ready and hands the session a channel", async () => {
    const s = await start();
    expect(s.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/media$/);
    const client = connectLocalMedia({ url: urlFor(s, "ses_1"), token: await mediaToken("ses_1"), sampleRateHz: 16000 });
    await expect(client.ready).resolves.toEqual({ type: "ready", protocolVersion: 1, sessionId: "ses_1", sampleRateHz: 16000, frameMs: 20 });
    expect(channels).toHaveLength(1);
    expect(channels[0]!.role).toBe("participant");
    expect(channels[0]!.channel.sessionId).toBe("ses_1");
    expect(channels[0]!.channel.agentId).toBe("agt_test");
    await client.end();
  });

  it("refuses a bad token with unauthorized and close 4401", async () => {
    const s = await start();
    const client = connectLocalMedia({ url: urlFor(s, "ses_1"), token: await mediaToken("ses_1", { secret: "another-secret-of-at-least-32-chars!!" }), sampleRateHz: 16000 });
    await expect(client.ready).rejects.toThrow(/4401/);
    expect(client.errors).toEqual([expect.objectContaining({ code: "unauthorized" })]);
    expect((await client.closed).code).toBe(4401);
    expect(channels).toHaveLength(0);
  });

  it("refuses an events token for media", async () => {
    const s = await start();
    const client = connectLocalMedia({ url: urlFor(s, "ses_1"), token: await mediaToken("ses_1", { scope: "events" }), sampleRateHz: 16000 });
    expect((await client.closed).code).toBe(4401);
    expect(client.errors[0]?.code).toBe("unauthorized");
  });

  it("refuses a token for another session with session_mismatch", async () => {
    const s = await start();
    const client = connectLocalMedia({ url: urlFor(s, "ses_1"), token: await mediaToken("ses_2"), sampleRateHz: 16000 });
    expect((await client.closed).code).toBe(4401);
    expect(client.errors[0]?.code).toBe("session_mismatch");
  });

  it("closes a connection that says no hello in time with hello_timeout", async () => {
    const s = await start({ helloTimeoutMs: 150 });
    const socket = rawSocket(urlFor(s, "ses_1"));
    expect((await socket.closed).code).toBe(4400);
    expect(socket.messages).toEqual([expect.objectContaining({ type: "error", code: "hello_timeout" })]);
  });

  it("refuses a second connection to a live session with session_busy, and keeps the first", async () => {
    const s = await start();
    const token = await mediaToken("ses_1");
    const first = connectLocalMedia({ url: urlFor(s, "ses_1"), token, sampleRateHz: 16000 });
    await first.ready;
    const second = connectLocalMedia({ url: urlFor(s, "ses_1"), token, sampleRateHz: 16000 });
    expect((await second.closed).code).toBe(4409);
    expect(second.errors[0]?.code).toBe("session_busy");
    expect(channels).toHaveLength(1);

    // Once the first hangs up, the session may connect again.
    await first.end();
    await channels[0]!.channel.ended;
    const third = connectLocalMedia({ url: urlFor(s, "ses_1"), token, sampleRateHz: 16000 });
    await expect(third.ready).resolves.toMatchObject({ type: "ready" });
    await third.end();
  });

  it("refuses another protocol version, audio before hello and a first message that is not hello", async () => {
    const s = await start();
    const token = await mediaToken("ses_1");

    const oldClient = rawSocket(urlFor(s, "ses_1"));
    await oldClient.opened;
    hello(oldClient.ws, token, { protocolVersion: 99 });
    expect((await oldClient.closed).code).toBe(4400);
    expect(oldClient.messages[0]).toMatchObject({ type: "error", code: "unsupported_version" });

    const eager = rawSocket(urlFor(s, "ses_1"));
    await eager.opened;
    eager.ws.send(new Uint8Array(640));
    expect((await eager.closed).code).toBe(4400);
    expect(eager.messages[0]).toMatchObject({ type: "error", code: "bad_frame" });

    const rude = rawSocket(urlFor(s, "ses_1"));
    await rude.opened;
    rude.ws.send(JSON.stringify({ type: "interrupt" }));
    expect((await rude.closed).code).toBe(4400);
    expect(rude.messages[0]).toMatchObject({ type: "error", code: "bad_frame" });

    const badRate = rawSocket(urlFor(s, "ses_1"));
    await badRate.opened;
    hello(badRate.ws, token, { sampleRateHz: 44100 });
    expect((await badRate.closed).code).toBe(4400);
    expect(badRate.messages[0]).toMatchObject({ type: "error", code: "bad_frame" });
    expect(channels).toHaveLength(0);
  });

  it("refuses upgrades on other paths or without a session, and answers healthz", async () => {
    const s = await start();
    const health = await fetch(`http://127.0.0.1:${s.port}/healthz`);
    expect(health.status).toBe(200);
    const wrongPath = rawSocket(`ws://127.0.0.1:${s.port}/elsewhere?session=ses_1`);
    await expect(wrongPath.opened).rejects.toThrow(/404/);
    const noSession = rawSocket(`ws://127.0.0.1:${s.port}/v1/media`);
    await expect(noSession.opened).rejects.toThrow(/400/);
  });
});

describe("local media server: a live connection", () => {
  async function connected(sampleRateHz: 8000 | 16000 = 16000) {
    const s = await start();
    const client = connectLocalMedia({ url: urlFor(s, "ses_1"), token: await mediaToken("ses_1"), sampleRateHz });
    await client.ready;
    return { s, client, channel: channels[0]!.channel };
  }

  it("answers bad frames with typed errors and carries on", async () => {
    const s = await start();
    const socket = rawSocket(urlFor(s, "ses_1"));
    await socket.opened;
    hello(socket.ws, await mediaToken("ses_1"));
    await socket.next("ready");
    const channel = channels[0]!.channel;
    const reader = channel.input.stream.getReader();

    socket.ws.send("{not json");
    socket.ws.send(JSON.stringify({ type: "dance" }));
    socket.ws.send(JSON.stringify({ type: "mark", name: "x".repeat(5000) }));
    socket.ws.send(new Uint8Array(641));
    socket.ws.send(new Uint8Array(16000 * 2 + 2));
    hello(socket.ws, "again");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const codes = socket.messages.filter((m) => m.type === "error").map((m) => (m.type === "error" ? m.code : ""));
    expect(codes).toEqual(["bad_frame", "bad_frame", "too_large", "bad_frame", "too_large", "bad_frame"]);

    // Still alive: audio flows, and the server answers.
    socket.ws.send(new Uint8Array(640));
    const { value } = await reader.read();
    expect(value?.samplesPerChannel).toBe(320);
    reader.releaseLock();
    expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
    socket.ws.close(1000);
    await expect(channel.ended).resolves.toEqual({ reason: "caller hung up", failed: false });
  });

  it("cuts the caller's audio into whole frames at the client's rate on the input stream", async () => {
    const { client, channel } = await connected(8000);
    const reader = channel.input.stream.getReader();
    // 500 samples in uneven chunks: three whole 20 ms frames (160 samples) and 20 left over.
    const samples = Int16Array.from({ length: 500 }, (_, i) => i);
    client.sendPcm(samples.subarray(0, 7));
    client.sendPcm(samples.subarray(7, 301));
    client.sendPcm(samples.subarray(301));
    const frames = [];
    for (let i = 0; i < 3; i++) frames.push((await reader.read()).value!);
    expect(frames.map((f) => [f.sampleRate, f.channels, f.samplesPerChannel])).toEqual([
      [8000, 1, 160],
      [8000, 1, 160],
      [8000, 1, 160],
    ]);
    expect(Array.from(frames[2]!.data.subarray(0, 3))).toEqual([320, 321, 322]);
    // The leftover is passed on when the caller hangs up.
    await client.end();
    expect((await reader.read()).value?.samplesPerChannel).toBe(20);
    reader.releaseLock();
  });

  it("ends the call as caller hung up on end, and as lost on an abnormal close", async () => {
    const { s, client, channel } = await connected();
    await client.end("bye");
    await expect(channel.ended).resolves.toEqual({ reason: "caller hung up", failed: false });

    const other = connectLocalMedia({ url: urlFor(s, "ses_2"), token: await mediaToken("ses_2"), sampleRateHz: 16000 });
    await other.ready;
    other.kill();
    await expect(channels[1]!.channel.ended).resolves.toEqual({ reason: "media connection lost", failed: true });
  });

  it("passes a client interrupt to the channel's listeners", async () => {
    const { client, channel } = await connected();
    const interrupted = new Promise<void>((resolve) => channel.onInterrupt(resolve));
    client.sendInterrupt();
    await expect(interrupted).resolves.toBeUndefined();
    await client.end();
  });

  it("ends calls still live when the server closes", async () => {
    const { client, channel } = await connected();
    await server!.close();
    server = undefined;
    await expect(channel.ended).resolves.toEqual({ reason: "media server closed", failed: true });
    expect(client.endReason).toBe("media server closed");
    expect((await client.closed).code).toBe(1001);
  });
});
