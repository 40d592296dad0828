// The local output under a real AgentSession: the contract the session relies on for playout,
// interruption and the transcript it commits.
import { ReadableStream } from "node:stream/web";
import { afterEach, describe, expect, it } from "vitest";
import { AudioFrame } from "@livekit/rtc-node";
import { voice } from "@livekit/agents";
import { setLogLevel } from "../../log.ts";
import type { LocalMediaChannel } from "./channel.ts";
import { connectLocalMedia, type LocalMediaClient } from "./client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "./server.ts";
import { mediaToken, sleep, testTokenSecret } from "./testing.ts";

setLogLevel("error");

const ttsRate = 24_000; // the session resamples to the output's 16 kHz

/** Speaks `ms` of a flat tone for every reply, as fast as the session takes it. */
class ToneAgent extends voice.Agent {
  readonly replyMs: number[];
  constructor(replyMs: number[]) {
    super({ instructions: "test" });
    this.replyMs = replyMs;
  }
  override async ttsNode(): Promise<ReadableStream<AudioFrame>> {
    const ms = this.replyMs.shift() ?? 100;
    return new ReadableStream<AudioFrame>({
      start(controller) {
        const size = ttsRate / 100; // 10 ms frames
        for (let i = 0; i < ms / 10; i++) controller.enqueue(new AudioFrame(new Int16Array(size).fill(3000), ttsRate, 1, size));
        controller.close();
      },
    });
  }
}

let server: LocalMediaServer | undefined;
let session: voice.AgentSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
  await server?.close();
  server = undefined;
});

async function sessionOverSocket(replyMs: number[]): Promise<{ client: LocalMediaClient; channel: LocalMediaChannel; assistant: { text: string; interrupted: boolean }[] }> {
  const channels: LocalMediaChannel[] = [];
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, pingIntervalMs: 0, onChannel: (channel) => channels.push(channel) });
  const client = connectLocalMedia({ url: `${server.url}?session=ses_1`, token: await mediaToken("ses_1"), sampleRateHz: 16000 });
  await client.ready;
  const channel = channels[0]!;
  session = new voice.AgentSession({
    llm: new voice.testing.FakeLLM([
      { input: "one", content: "first reply" },
      { input: "two", content: "second reply" },
    ]),
  });
  session.output.audio = channel.output;
  const assistant: { text: string; interrupted: boolean }[] = [];
  session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
    if (ev.item.type === "message" && ev.item.role === "assistant") assistant.push({ text: ev.item.textContent ?? "", interrupted: ev.item.interrupted });
  });
  await session.start({ agent: new ToneAgent(replyMs) });
  return { client, channel, assistant };
}

describe("local media under an AgentSession", () => {
  it("plays a reply out in full, resampled to the client's rate", async () => {
    const { client, assistant } = await sessionOverSocket([500]);
    const t0 = Date.now();
    await session!.generateReply({ userInput: "one" }).waitForPlayout();
    expect(Date.now() - t0).toBeGreaterThan(400);
    const pcm = client.receivedPcm();
    expect(pcm.length).toBeGreaterThan(7600); // ~8000 samples of 16 kHz
    expect(pcm.length).toBeLessThanOrEqual(8320);
    expect(assistant).toEqual([{ text: "first reply", interrupted: false }]);
    await sleep(50);
    expect(client.marks).toHaveLength(1);
  });

  it("stops at once on session.interrupt(), clears the client and commits the reply as interrupted", async () => {
    const { client, channel, assistant } = await sessionOverSocket([3000]);
    channel.onInterrupt(() => void session!.interrupt());
    const reply = session!.generateReply({ userInput: "two" });
    await sleep(600);
    const interruptedAt = Date.now();
    client.sendInterrupt();
    await reply.waitForPlayout();
    await sleep(200);

    const clearAt = client.clears[0];
    expect(clearAt).toBeDefined();
    const lastVoiceAt = client.received.filter((a) => a.samples[0] !== 0).at(-1)!.atMs;
    console.log(`barge-in (session.interrupt() from a client interrupt): clear arrived ${clearAt! - interruptedAt} ms after the client sent interrupt; last voice frame ${lastVoiceAt - interruptedAt} ms after it`);
    expect(client.received.filter((a) => a.atMs > clearAt!)).toHaveLength(0);
    expect(clearAt! - interruptedAt).toBeLessThan(500);
    expect(client.receivedPcm().length).toBeLessThan(16000 * 1.5);
    expect(assistant).toHaveLength(1);
    expect(assistant[0]!.interrupted).toBe(true);
  });
});
