// The greeting under a real AgentSession over the local media socket, spoken by flite: the first
// call synthesizes it and caches the whole clip, the next plays the same audio from the cache
// without running flite and marks the turn; a synthesis that fails or is cut short is not cached.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tts, voice, type APIConnectOptions } from "@livekit/agents";
import type { Locale } from "@speaknode/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setLogLevel } from "../log.ts";
import { FliteTTS } from "../providers/offline/flite-tts.ts";
import { connectLocalMedia, type LocalMediaClient } from "../transport/local/client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { mediaToken, sleep, testTokenSecret } from "../transport/local/testing.ts";
import { GreetingCache } from "./greeting-cache.ts";
import { greetingKey } from "./greeting-key.ts";
import { playGreeting } from "./play-greeting.ts";

setLogLevel("error");

/** flite, counting how often it is asked to speak. */
class CountingFlite extends FliteTTS {
  calls = 0;
  override synthesize(...args: Parameters<FliteTTS["synthesize"]>) {
    this.calls++;
    return super.synthesize(...args);
  }
}

/** flite for the first sentence, then a failure the way the library reports a provider's 500:
 *  an error event on the TTS and no audio. */
class FailingAfterFirstSentence extends tts.TTS {
  label = "test.FailingAfterFirstSentence";
  readonly #flite = new FliteTTS({ voice: "rms" });
  #sentences = 0;
  constructor() {
    super(16_000, 1, { streaming: false });
  }
  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    if (this.#sentences++ === 0) return this.#flite.synthesize(text, connOptions, abortSignal);
    const owner = this;
    return new (class extends tts.ChunkedStream {
      label = "test.FailingAfterFirstSentence.stream";
      protected async run(): Promise<void> {
        owner.emit("error", { type: "tts_error", timestamp: Date.now(), label: owner.label, error: new Error("upstream answered 500"), recoverable: false });
        this.queue.close();
      }
    })(text, this);
  }
  stream(): tts.SynthesizeStream {
    throw new Error("no streaming");
  }
  override async close(): Promise<void> {
    await this.#flite.close();
  }
}

/** flite whose second sentence onward takes two seconds, like a slow provider. */
class SlowAfterFirstSentence extends FliteTTS {
  #sentences = 0;
  override async _render(text: string, signal: AbortSignal): Promise<Int16Array | null> {
    if (this.#sentences++ > 0) await sleep(2000);
    return super._render(text, signal);
  }
}

const base: Locale = {
  language: "en-US",
  firstMessage: "Hello there, and thank you for calling. This is the test line of the greeting cache.",
  tts: { provider: "flite", model: "flite", voice: "rms", params: {}, credentialId: null },
  speed: 1,
  background: { sound: "none", volume: 0 },
};
const locale = base;
const agent = { agentId: "agt_00000000000000000000000001", agentVersion: 1, draftVersion: null };

let dir: string;
let server: LocalMediaServer | undefined;
let session: voice.AgentSession | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "greeting-play-"));
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A session whose agent speaks with `engine`, its audio going to a local media client. */
async function call(engine: tts.TTS): Promise<LocalMediaClient> {
  await session?.close();
  await server?.close();
  const channels: Parameters<Parameters<typeof startLocalMediaServer>[0]["onChannel"]>[0][] = [];
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, pingIntervalMs: 0, onChannel: (c) => channels.push(c) });
  const client = connectLocalMedia({ url: `${server.url}?session=ses_1`, token: await mediaToken("ses_1"), sampleRateHz: 16_000 });
  await client.ready;
  session = new voice.AgentSession({});
  // The runner listens for provider errors (and reports them); without a listener they would throw.
  session.on(voice.AgentSessionEventTypes.Error, () => {});
  session.output.audio = channels[0]!.output;
  await session.start({ agent: new voice.Agent({ instructions: "test", tts: engine }) });
  return client;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** The samples between the first and last non-silent ones. */
function voiced(samples: Int16Array): Int16Array {
  const first = samples.findIndex((s) => s !== 0);
  const last = samples.findLastIndex((s) => s !== 0);
  return first < 0 ? new Int16Array(0) : samples.subarray(first, last + 1);
}

describe("playGreeting", () => {
  it("synthesizes the greeting on a miss and caches it whole; the next call plays the same audio from the cache without flite", async () => {
    const cache = new GreetingCache({ dir });
    const key = greetingKey({ agent, locale });
    const noted: string[] = [];
    const reporter = { noteCachedAudio: (text: string) => void noted.push(text) };

    const first = new CountingFlite({ voice: "rms" });
    const firstCall = await call(first);
    const missAt = Date.now();
    await playGreeting(session!, reporter, { cache, agent, locale, allowInterruptions: false }).waitForPlayout();
    await sleep(100);
    const spoken = voiced(firstCall.receivedPcm());
    expect(first.calls).toBe(2); // sentence by sentence, as the session's own speech path does
    expect(rms(spoken)).toBeGreaterThan(300);
    expect(noted).toEqual([]);
    const cached = await new GreetingCache({ dir }).get(key);
    expect(cached?.sampleRateHz).toBe(16_000);
    expect(Array.from(voiced(cached!.samples))).toEqual(Array.from(spoken));

    const second = new CountingFlite({ voice: "rms" });
    const secondCall = await call(second);
    const assistant: string[] = [];
    session!.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
      if (ev.item.type === "message" && ev.item.role === "assistant") assistant.push(ev.item.textContent ?? "");
    });
    const hitAt = Date.now();
    await playGreeting(session!, reporter, { cache: new GreetingCache({ dir }), agent, locale, allowInterruptions: false }).waitForPlayout();
    await sleep(100);
    console.log(`greeting: first audio at the client ${firstCall.received[0]!.atMs - missAt} ms after playGreeting on a miss (flite), ${secondCall.received[0]!.atMs - hitAt} ms on a hit (from disk)`);
    expect(second.calls).toBe(0);
    expect(noted).toEqual([locale.firstMessage]);
    expect(assistant).toEqual([locale.firstMessage]);
    expect(Array.from(voiced(secondCall.receivedPcm()))).toEqual(Array.from(spoken));
  });

  it("misses when the voice changes", async () => {
    const cache = new GreetingCache({ dir });
    const locale = { ...base, firstMessage: "Hello and welcome to the line." };
    await call(new CountingFlite({ voice: "rms" }));
    await playGreeting(session!, { noteCachedAudio: () => {} }, { cache, agent, locale, allowInterruptions: false }).waitForPlayout();
    const slt = new CountingFlite({ voice: "slt" });
    await call(slt);
    const noted: string[] = [];
    const other = { ...locale, tts: { ...locale.tts, voice: "slt" } };
    await playGreeting(session!, { noteCachedAudio: (t) => void noted.push(t) }, { cache, agent, locale: other, allowInterruptions: false }).waitForPlayout();
    expect(slt.calls).toBeGreaterThan(0);
    expect(noted).toEqual([]);
  });

  it("does not cache a synthesis the provider failed part way", async () => {
    const cache = new GreetingCache({ dir });
    const client = await call(new FailingAfterFirstSentence());
    await playGreeting(session!, { noteCachedAudio: () => {} }, { cache, agent, locale, allowInterruptions: false }).waitForPlayout();
    await sleep(100);
    expect(rms(client.receivedPcm())).toBeGreaterThan(300); // the first sentence played
    expect(await cache.has(greetingKey({ agent, locale }))).toBe(false);
  });

  it("does not cache a greeting the caller interrupted before it was all synthesized", async () => {
    const cache = new GreetingCache({ dir });
    const slow = new SlowAfterFirstSentence({ voice: "rms" });
    const client = await call(slow);
    const handle = playGreeting(session!, { noteCachedAudio: () => {} }, { cache, agent, locale, allowInterruptions: true });
    const deadline = Date.now() + 5000;
    while (client.received.length === 0 && Date.now() < deadline) await sleep(20);
    handle.interrupt();
    await handle.waitForPlayout();
    await sleep(2500); // past the slow sentence
    expect(handle.interrupted).toBe(true);
    expect(client.received.length).toBeGreaterThan(0);
    expect(await cache.has(greetingKey({ agent, locale }))).toBe(false);
  });
});
