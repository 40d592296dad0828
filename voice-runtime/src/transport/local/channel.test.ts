import { afterEach, describe, expect, it } from "vitest";
import { AudioOutput } from "@livekit/agents";
import { setLogLevel } from "../../log.ts";
import type { LocalMediaChannel } from "./channel.ts";
import { connectLocalMedia, type LocalMediaClient } from "./client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "./server.ts";
import { constantBackground, framesOf, level, mediaToken, sleep, testTokenSecret } from "./testing.ts";

setLogLevel("error");

let server: LocalMediaServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function call(): Promise<{ client: LocalMediaClient; channel: LocalMediaChannel; sent: { samples: Int16Array; atMs: number }[] }> {
  const channels: LocalMediaChannel[] = [];
  const sent: { samples: Int16Array; atMs: number }[] = [];
  server = await startLocalMediaServer({
    port: 0,
    tokenSecret: testTokenSecret,
    pingIntervalMs: 0,
    backgroundSource: (sound, rate) => (sound === "hum" ? constantBackground(1000, rate) : null),
    taps: () => ({ onSentFrame: (frame, _rate, atMs) => sent.push({ samples: frame.slice(), atMs }) }),
    onChannel: (channel) => channels.push(channel),
  });
  const client = connectLocalMedia({ url: `${server.url}?session=ses_1`, token: await mediaToken("ses_1"), sampleRateHz: 16000 });
  await client.ready;
  return { client, channel: channels[0]!, sent };
}

async function speak(channel: LocalMediaChannel, value: number, ms: number): Promise<void> {
  for (const frame of framesOf(level(value, ms, 16000), 16000)) await channel.output.captureFrame(frame);
  channel.output.flush();
}

describe("local media channel", () => {
  it("delivers the agent's voice to the client paced, then a mark, with playback events", async () => {
    const { client, channel, sent } = await call();
    const events: string[] = [];
    channel.output.on(AudioOutput.EVENT_PLAYBACK_STARTED, () => events.push("started"));
    channel.output.on(AudioOutput.EVENT_PLAYBACK_FINISHED, (ev: { interrupted: boolean }) => events.push(`finished interrupted=${ev.interrupted}`));
    const t0 = Date.now();
    await speak(channel, 1000, 600);
    const playout = await channel.output.waitForPlayout();

    expect(playout).toEqual({ playbackPosition: 0.6, interrupted: false });
    expect(events).toEqual(["started", "finished interrupted=false"]);
    expect(client.receivedPcm()).toEqual(level(1000, 600, 16000));
    const span = client.received.at(-1)!.atMs - client.received[0]!.atMs;
    expect(span).toBeGreaterThan(450);
    expect(Date.now() - t0).toBeGreaterThan(550);
    await sleep(50);
    expect(client.marks.map((m) => m.name)).toEqual(["seg-1"]);
    expect(client.marks[0]!.atMs).toBeGreaterThanOrEqual(client.received.at(-1)!.atMs);
    // The tap saw every frame, stamped with when it is due to play.
    expect(sent).toHaveLength(30);
    expect(sent.at(-1)!.atMs - sent[0]!.atMs).toBeGreaterThanOrEqual(29 * 20);
    expect(sent.at(-1)!.atMs - sent[0]!.atMs).toBeLessThan(29 * 20 + 200);
    await client.end();
  });

  it("on barge-in stops the voice within the lead and tells the client to clear", async () => {
    const { client, channel } = await call();
    let clearedAt = 0;
    let clientClearAt = 0;
    client.onClear((atMs) => (clientClearAt = atMs));
    await speak(channel, 1000, 3000);
    await sleep(500);
    clearedAt = Date.now();
    channel.output.clearBuffer();
    const playout = await channel.output.waitForPlayout();
    await sleep(200);

    const voiceFrames = client.received.filter((a) => a.samples[0] === 1000);
    const lastVoice = voiceFrames.at(-1)!;
    const afterClear = client.received.filter((a) => a.atMs > clientClearAt);
    const latencyMs = lastVoice.atMs - clearedAt;
    console.log(
      `barge-in (over the socket): clear reached the client ${clientClearAt - clearedAt} ms after clearBuffer(); ` +
        `last voice frame arrived ${latencyMs} ms after it; ${voiceFrames.length} frames (${voiceFrames.length * 20} ms) sent for ${Math.round(playout.playbackPosition * 1000)} ms played`,
    );
    expect(clientClearAt).toBeGreaterThan(0);
    expect(afterClear).toHaveLength(0);
    expect(latencyMs).toBeLessThan(100);
    expect(playout.interrupted).toBe(true);
    expect(playout.playbackPosition).toBeGreaterThan(0.3);
    expect(playout.playbackPosition).toBeLessThan(1);
    // What was sent but not yet played when the clear went out is at most the lead (3 frames).
    expect(voiceFrames.length * 0.02 - playout.playbackPosition).toBeLessThanOrEqual(0.08);
    await client.end();
  });

  it("streams the background at the set volume through silence and under the voice", async () => {
    const { client, channel } = await call();
    channel.setBackground({ sound: "hum", volume: 0.25 });
    await sleep(200);
    expect(client.received.length).toBeGreaterThanOrEqual(6);
    expect(client.received.every((a) => a.samples.every((s) => s === 250))).toBe(true);
    await speak(channel, 2000, 100);
    await channel.output.waitForPlayout();
    expect(client.received.filter((a) => a.samples[0] === 2250)).toHaveLength(5);

    // An unknown sound is no background: the sender falls silent again.
    channel.setBackground({ sound: "unknown", volume: 0.5 });
    await sleep(100);
    const count = client.received.length;
    await sleep(100);
    expect(client.received.length).toBe(count);
    await client.end();
  });

  it("on close lets the last words play, then sends end and closes normally", async () => {
    const { client, channel } = await call();
    await speak(channel, 1000, 400);
    const t0 = Date.now();
    await channel.close("agent said goodbye");
    expect(Date.now() - t0).toBeGreaterThan(300);
    expect(client.receivedPcm().length).toBe(6400);
    expect(client.endReason).toBe("agent said goodbye");
    expect((await client.closed).code).toBe(1000);
    await expect(channel.ended).resolves.toEqual({ reason: "agent said goodbye", failed: false });
  });

  it("settles the agent's playout when the caller drops mid-sentence", async () => {
    const { client, channel } = await call();
    await speak(channel, 1000, 2000);
    await sleep(100);
    client.kill();
    await expect(channel.ended).resolves.toEqual({ reason: "media connection lost", failed: true });
    await expect(channel.output.waitForPlayout()).resolves.toMatchObject({ interrupted: true });
    // Closing after the caller left does nothing and does not wait.
    await channel.close("too late");
  });
});
