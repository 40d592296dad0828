// Recording uploads go in parts read from disk, so the longest session's tracks pass the 100 MiB
// request cap and memory holds one part at a time. The fake API keeps what it receives on disk
// and enforces the cap, the Worker's part limits and R2's part rules.
import { createHash } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordingPartMaxBytes } from "@speaknode/contracts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { platformRequestCapBytes } from "../../test/fake-recordings.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { RuntimeApi, RuntimeApiError } from "./client.ts";

const MiB = 1024 * 1024;
const sessionId = newSessionId();
let api: FakeRuntimeApi;
let dir: string;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  api.sessions.set(sessionId, runtimeConfig({ sessionId }));
  dir = await mkdtemp(join(tmpdir(), "recording-upload-"));
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const client = (opts: { attempts?: number; recordingPartBytes?: number } = {}) =>
  new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "test", retryBaseMs: 1, ...opts });

/**
 * A 16 kHz PCM16 mono WAV of `seconds`, written in 1 MiB blocks that each carry their index (so a
 * part stored out of place changes the hash). Returns its path, size and SHA-256.
 */
async function syntheticWav(name: string, seconds: number): Promise<{ path: string; sizeBytes: number; sha256: string }> {
  const dataBytes = seconds * 16_000 * 2;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16_000, 24);
  header.writeUInt32LE(32_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(dataBytes, 40);
  const path = join(dir, name);
  const file = await open(path, "w");
  const sha = createHash("sha256").update(header);
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 2) block.writeInt16LE(Math.round(8000 * Math.sin(i / 40)), i);
  try {
    await file.write(header);
    for (let written = 0, index = 0; written < dataBytes; written += block.length, index++) {
      block.writeUInt32LE(index, 0);
      const chunk = block.subarray(0, Math.min(block.length, dataBytes - written));
      sha.update(chunk);
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return { path, sizeBytes: 44 + dataBytes, sha256: sha.digest("hex") };
}

describe("recording upload", () => {
  it("uploads a two-hour recording in bounded parts, past the 100 MiB request cap, holding one part in memory", async () => {
    const wav = await syntheticWav("two-hours.wav", 2 * 3600);
    expect(wav.sizeBytes).toBeGreaterThan(2 * platformRequestCapBytes);
    const before = api.recordingStore.partRequests;
    // Every read of the file, and what Buffers (outside the JS heap) hold while the upload runs.
    const probe = await open(wav.path, "r");
    const handleProto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    // Every read: how much it read, into which buffer, and how many parts the API had received then.
    const reads: number[] = [];
    const buffers = new Set<unknown>();
    const partsReceivedAtRead: number[] = [];
    const realRead = handleProto.read;
    const readSpy = vi.spyOn(handleProto, "read").mockImplementation(async function (this: unknown, ...args: unknown[]) {
      buffers.add(args[0]);
      partsReceivedAtRead.push(api.recordingStore.partRequests - before);
      const result = await realRead.apply(this, args);
      reads.push(result.bytesRead);
      return result;
    });
    let stored;
    try {
      stored = await client().uploadRecording(sessionId, "composite", wav.path);
    } finally {
      readSpy.mockRestore();
    }
    // read once, a part at a time
    expect(reads.reduce((a, b) => a + b, 0)).toBe(wav.sizeBytes);
    expect(Math.max(...reads)).toBe(8 * MiB);
    expect(stored).toMatchObject({ track: "composite", sizeBytes: wav.sizeBytes, contentType: "audio/wav" });
    const recording = api.recordings.find((r) => r.sessionId === sessionId && r.track === "composite");
    expect(recording?.sizeBytes).toBe(wav.sizeBytes);
    expect(recording?.sha256).toBe(wav.sha256);
    const parts = recording?.partSizes ?? [];
    expect(parts).toHaveLength(Math.ceil(wav.sizeBytes / (8 * MiB)));
    expect(new Set(parts.slice(0, -1))).toEqual(new Set([8 * MiB]));
    expect(api.recordingStore.partRequests - before).toBe(parts.length);
    expect(api.recordingStore.maxRequestBytes).toBeLessThanOrEqual(recordingPartMaxBytes);
    // The file is 230 MB; memory holds one part: every read fills the same buffer, and a part is
    // read only once the API has received the one before (no read-ahead, nothing queued). This is
    // checked by structure, not by sampling process memory, which depends on when the collector runs.
    expect(buffers.size).toBe(1);
    expect(reads).toHaveLength(parts.length);
    expect(partsReceivedAtRead).toEqual(parts.map((_, i) => i));
  }, 120_000);

  it("sends a part that failed transiently again under its number, and the track is whole", async () => {
    const wav = await syntheticWav("retried.wav", 360); // 11.5 MB: three 5 MiB parts
    const before = api.recordingStore.partRequests;
    api.recordingStore.failNextParts = 2;
    await client({ recordingPartBytes: 5 * MiB }).uploadRecording(sessionId, "user", wav.path);
    const recording = api.recordings.find((r) => r.sessionId === sessionId && r.track === "user");
    expect(recording).toMatchObject({ sizeBytes: wav.sizeBytes, sha256: wav.sha256, partSizes: [5 * MiB, 5 * MiB, wav.sizeBytes - 10 * MiB] });
    expect(api.recordingStore.partRequests - before).toBe(3 + 2);
  });

  it("aborts the upload and throws when a part cannot be delivered, storing nothing", async () => {
    const wav = await syntheticWav("refused.wav", 1);
    api.recordingStore.failNextParts = 3;
    const attempt = client({ attempts: 3 }).uploadRecording(sessionId, "agent", wav.path);
    await expect(attempt).rejects.toBeInstanceOf(RuntimeApiError);
    expect(api.recordingStore.openUploads).toBe(0);
    expect(api.recordings.some((r) => r.sessionId === sessionId && r.track === "agent")).toBe(false);
  });

  it("stores a short recording as one part, and uploads nothing for an empty file", async () => {
    const wav = await syntheticWav("short.wav", 3);
    await client().uploadRecording(sessionId, "agent", wav.path);
    expect(api.recordings.find((r) => r.sessionId === sessionId && r.track === "agent")).toMatchObject({ partSizes: [wav.sizeBytes], sha256: wav.sha256 });
    const empty = join(dir, "empty.wav");
    await writeFile(empty, Buffer.alloc(0));
    expect(await client().uploadRecording(sessionId, "agent", empty)).toBeNull();
  });
});
