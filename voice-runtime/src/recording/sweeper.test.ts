// A runtime killed mid-call leaves the call's recording directory behind. The sweeper of the next
// runtime delivers it once the session has ended, and the files go only after the uploads are
// confirmed. The fake runtime API enforces the real upload rules and keeps what it receives.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { RuntimeApi } from "../api/client.ts";
import { parseWav, WavWriter } from "../audio/wav.ts";
import { recordingDirPrefix } from "./delivery.ts";
import { RecordingSweeper } from "./sweeper.ts";

let api: FakeRuntimeApi;
let root: string;
let dir: string;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  root = await mkdtemp(join(tmpdir(), "recording-sweeper-"));
});
afterAll(async () => {
  await api?.close();
  if (root) await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(root, "recordings-"));
});

const client = (attempts = 3) => new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "test", retryBaseMs: 1, attempts });

/** A process id that no process has any more. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid;

function tone(samples: number, from: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(10_000 * Math.sin((from + i) / 7)));
}

/**
 * What a runtime killed mid-call leaves: the three tracks flushed up to some point, then audio a
 * write put on disk before its header patch, ending in half a sample; and its `.owner`.
 */
async function crashedRecording(sessionId: string, owner: { pid: number; token: string } | null): Promise<{ path: string; samples: Int16Array }> {
  const path = join(dir, `${recordingDirPrefix(sessionId)}Xy12Ab`);
  await mkdir(path);
  const flushed = tone(16_000, 0);
  const unflushed = tone(4000, 16_000);
  for (const track of ["composite", "user", "agent"]) {
    const writer = await WavWriter.create(join(path, `${track}.wav`), 16_000);
    writer.write(flushed);
    await writer.close();
    await appendFile(join(path, `${track}.wav`), Buffer.concat([Buffer.from(unflushed.buffer), Buffer.from([0x7f])]));
  }
  if (owner) await writeFile(join(path, ".owner"), JSON.stringify(owner));
  return { path, samples: Int16Array.from([...flushed, ...unflushed]) };
}

function session(status: "active" | "completed" | "failed"): string {
  const id = newSessionId();
  api.sessions.set(id, runtimeConfig({ sessionId: id }));
  api.statuses.set(id, status);
  return id;
}

describe("the recording sweeper", () => {
  it("delivers what a dead runtime left for an ended session, header repaired, and removes it only then", async () => {
    const ended = session("failed");
    const { path, samples } = await crashedRecording(ended, { pid: deadPid(), token: "an-earlier-process" });
    const report = await new RecordingSweeper({ api: client(), dir }).sweep();
    expect(report).toEqual({ delivered: [ended], skipped: [], failed: [], removed: [] });
    expect(existsSync(path)).toBe(false);

    const stored = api.recordings.filter((r) => r.sessionId === ended);
    expect(stored.map((r) => r.track).sort()).toEqual(["agent", "composite", "user"]);
    const composite = stored.find((r) => r.track === "composite");
    const bytes = (await composite?.read()) ?? Buffer.alloc(0);
    expect(bytes.length).toBe(44 + samples.length * 2);
    expect(bytes.readUInt32LE(40)).toBe(samples.length * 2);
    expect(parseWav(bytes).samples).toEqual(samples);
    const waveform = api.waveforms.find((w) => w.sessionId === ended)?.body as { peaks: number[]; durationMs: number };
    expect(waveform.durationMs).toBe(1250);
    expect(Math.max(...waveform.peaks)).toBeCloseTo(10_000 / 32768, 2);
  });

  it("leaves live sessions' recordings, and those another living process holds, until they are free", async () => {
    const live = session("active");
    const held = session("completed");
    const liveDir = await crashedRecording(live, null);
    const heldDir = await crashedRecording(held, { pid: process.ppid, token: "the-parent" });
    await mkdir(join(dir, "speaknode-process-abc"));
    const sweeper = new RecordingSweeper({ api: client(), dir });
    expect((await sweeper.sweep()).skipped.sort()).toEqual([live, held].sort());
    expect(existsSync(liveDir.path) && existsSync(heldDir.path)).toBe(true);

    api.statuses.set(live, "completed");
    await rm(join(heldDir.path, ".owner"));
    expect((await sweeper.sweep()).delivered.sort()).toEqual([live, held].sort());
    expect(await readdir(dir)).toEqual(["speaknode-process-abc"]);
  });

  it("removes the recording of a session that no longer exists", async () => {
    const gone = newSessionId();
    const { path } = await crashedRecording(gone, null);
    expect(await new RecordingSweeper({ api: client(), dir }).sweep()).toMatchObject({ removed: [gone] });
    expect(existsSync(path)).toBe(false);
  });

  it("keeps the files when an upload fails, and tries again after a backoff", async () => {
    const ended = session("completed");
    const { path, samples } = await crashedRecording(ended, null);
    let nowMs = 1_000_000;
    const sweeper = new RecordingSweeper({ api: client(1), dir, now: () => nowMs });
    api.recordingStore.failNextParts = 1;
    expect(await sweeper.sweep()).toMatchObject({ failed: [ended] });
    expect((await readdir(path)).sort()).toEqual(["agent.wav", "composite.wav", "user.wav"]);
    expect(await sweeper.sweep()).toMatchObject({ skipped: [ended] });
    nowMs += 61_000;
    expect(await sweeper.sweep()).toMatchObject({ delivered: [ended] });
    expect(existsSync(path)).toBe(false);
    const composite = api.recordings.find((r) => r.sessionId === ended && r.track === "composite");
    expect(parseWav((await composite?.read()) ?? Buffer.alloc(0)).samples).toEqual(samples);
  });
});
