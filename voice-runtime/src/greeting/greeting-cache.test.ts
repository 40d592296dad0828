// The greeting cache's keys and storage: what changes the audio changes the key; clips survive a
// new process (a new cache on the same directory); memory and disk stay under their caps, dropping
// the least recently used first; a damaged file is a miss.
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locale } from "@speaknode/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GreetingCache, type GreetingClip } from "./greeting-cache.ts";
import { greetingKey } from "./greeting-key.ts";

const locale: Locale = {
  language: "en-US",
  firstMessage: "Hello, thanks for calling.",
  tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: "voice-a", params: { stability: 0.5, similarityBoost: 0.75 }, credentialId: null },
  speed: 1,
  background: { sound: "none", volume: 0 },
};
const agent = { agentId: "agt_00000000000000000000000001", agentVersion: 3, draftVersion: null };

const clip = (value: number, samples = 1600, sampleRateHz = 16_000): GreetingClip => ({ sampleRateHz, channels: 1, samples: new Int16Array(samples).fill(value) });
const key = (n: number) => greetingKey({ agent: { ...agent, agentVersion: n }, locale });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "greeting-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("greeting keys", () => {
  it("change with the voice, model, params, key, speed, language, text, agent and version, and with nothing else", () => {
    const base = greetingKey({ agent, locale });
    const variants: [string, Locale, typeof agent | { agentId: string; agentVersion: null; draftVersion: number }][] = [
      ["voice", { ...locale, tts: { ...locale.tts, voice: "voice-b" } }, agent],
      ["model", { ...locale, tts: { ...locale.tts, model: "eleven_turbo_v2_5" } }, agent],
      ["params", { ...locale, tts: { ...locale.tts, params: { stability: 0.6, similarityBoost: 0.75 } } }, agent],
      ["space key", { ...locale, tts: { ...locale.tts, credentialId: "pcr_00000000000000000000000001" } }, agent],
      ["speed", { ...locale, speed: 1.1 }, agent],
      ["language", { ...locale, language: "en-GB" }, agent],
      ["text", { ...locale, firstMessage: "Hello, thanks for calling!" }, agent],
      ["agent", locale, { ...agent, agentId: "agt_00000000000000000000000002" }],
      ["version", locale, { ...agent, agentVersion: 4 }],
      ["draft", locale, { agentId: agent.agentId, agentVersion: null, draftVersion: 3 }],
    ];
    const keys = variants.map(([what, l, a]) => [what, greetingKey({ agent: a, locale: l })]);
    for (const [what, k] of keys) expect(k, what).not.toBe(base);
    expect(new Set(keys.map(([, k]) => k)).size).toBe(variants.length);
    // The background is mixed in by the call, not part of the greeting's audio; param order is not a change.
    expect(greetingKey({ agent, locale: { ...locale, background: { sound: "office", volume: 0.3 } } })).toBe(base);
    expect(greetingKey({ agent, locale: { ...locale, tts: { ...locale.tts, params: { similarityBoost: 0.75, stability: 0.5 } } } })).toBe(base);
  });
});

describe("the greeting cache", () => {
  it("misses what it never stored and returns a stored clip sample for sample, also to a new process", async () => {
    const cache = new GreetingCache({ dir });
    expect(await cache.get(key(1))).toBeUndefined();
    expect(await cache.has(key(1))).toBe(false);
    const stored = { ...clip(0), samples: Int16Array.from({ length: 3200 }, (_, i) => (i * 37) % 30_000) };
    await cache.put(key(1), stored);
    expect(cache.peek(key(1))).toBe(stored);

    const fresh = new GreetingCache({ dir });
    expect(fresh.peek(key(1))).toBeUndefined();
    const read = await fresh.get(key(1));
    expect(read?.sampleRateHz).toBe(16_000);
    expect(read?.channels).toBe(1);
    expect(Array.from(read?.samples ?? [])).toEqual(Array.from(stored.samples));
    // Read once from disk, then served from memory.
    expect(fresh.peek(key(1))).toBe(read);
    expect(await fresh.has(key(1))).toBe(true);
  });

  it("keeps memory under its cap by dropping the clip used longest ago", async () => {
    const cache = new GreetingCache({ dir, maxMemoryBytes: 2 * 3200 });
    await cache.put(key(1), clip(1));
    await cache.put(key(2), clip(2));
    cache.peek(key(1)); // 1 is now the most recently used
    await cache.put(key(3), clip(3));
    expect(cache.peek(key(2))).toBeUndefined();
    expect(cache.peek(key(1))).toBeDefined();
    expect(cache.peek(key(3))).toBeDefined();
    // Still on disk.
    expect((await cache.get(key(2)))?.samples[0]).toBe(2);
  });

  it("keeps the files under the disk cap by removing the least recently used", async () => {
    const fileBytes = 16 + 3200;
    const cache = new GreetingCache({ dir, maxDiskBytes: 2 * fileBytes, maxMemoryBytes: 0 });
    await cache.put(key(1), clip(1));
    await cache.put(key(2), clip(2));
    // Key 1 was used later than key 2 (a hit refreshes the file's time).
    await utimes(join(dir, `${key(2)}.pcm`), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await utimes(join(dir, `${key(1)}.pcm`), new Date(Date.now() - 30_000), new Date(Date.now() - 30_000));
    await cache.put(key(3), clip(3));
    expect((await readdir(dir)).sort()).toEqual([`${key(1)}.pcm`, `${key(3)}.pcm`].sort());
  });

  it("takes a truncated or foreign file for a miss and removes it", async () => {
    const cache = new GreetingCache({ dir });
    await cache.put(key(1), clip(1));
    const file = join(dir, `${key(1)}.pcm`);
    await writeFile(file, Buffer.from("RIFF not ours at all"));
    expect(await new GreetingCache({ dir }).get(key(1))).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses an empty clip", async () => {
    await expect(new GreetingCache({ dir }).put(key(1), clip(0, 0))).rejects.toThrow(/empty/);
  });
});
