// The runtime as a process, started where an earlier one was killed mid-call (kill -9): the
// call's recording directory is still on disk, its WAVs cut short. On start the runtime delivers
// it to the session, which the platform has meanwhile failed ("runtime lost"), then removes it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWav, WavWriter } from "../src/audio/wav.ts";
import { recordingDirPrefix } from "../src/recording/delivery.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "./fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "./fixtures.ts";

let api: FakeRuntimeApi;
let work: string;
let runtime: ChildProcess | undefined;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  work = await mkdtemp(join(tmpdir(), "recording-recovery-"));
});
afterAll(async () => {
  runtime?.kill("SIGKILL");
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("a runtime restarted after being killed mid-call", () => {
  it("uploads the call's recording left on disk once the session has ended, then removes it", async () => {
    const sessionId = newSessionId();
    api.sessions.set(sessionId, runtimeConfig({ sessionId }));
    api.statuses.set(sessionId, "failed");
    const recordings = join(work, "recordings");
    const left = join(recordings, `${recordingDirPrefix(sessionId)}k9Zq01`);
    await mkdir(left, { recursive: true });
    const writer = await WavWriter.create(join(left, "composite.wav"), 16_000);
    writer.write(Int16Array.from({ length: 32_000 }, (_, i) => (i % 200) * 50));
    await writer.close();
    // audio written after the last header patch, when the process died
    await appendFile(join(left, "composite.wav"), Buffer.alloc(8000, 1));
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(join(left, ".owner"), JSON.stringify({ pid: dead, token: "the-killed-runtime" }));

    runtime = spawn(process.execPath, [fileURLToPath(new URL("../src/main.ts", import.meta.url))], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env["PATH"] ?? "",
        SPEAKNODE_API_URL: api.url,
        RUNTIME_TOKEN_SECRET: testTokenSecret,
        RUNTIME_MEDIA_PORT: "0",
        RECORDINGS_DIR: recordings,
        RUNTIME_DATA_DIR: join(work, "data"),
        LOG_LEVEL: "warn",
      },
    });
    const output: Buffer[] = [];
    runtime.stdout?.on("data", (c: Buffer) => output.push(c));
    runtime.stderr?.on("data", (c: Buffer) => output.push(c));

    const stored = () => api.recordings.find((r) => r.sessionId === sessionId && r.track === "composite");
    await expect.poll(() => stored() !== undefined && !existsSync(left), { timeout: 30_000, interval: 100 }).toBe(true);
    const wav = parseWav((await stored()?.read()) ?? Buffer.alloc(0));
    expect(wav.samples.length).toBe(32_000 + 4000);
    expect(api.waveforms.some((w) => w.sessionId === sessionId)).toBe(true);
    expect(Buffer.concat(output).toString("utf8")).not.toMatch(/failed to start/);
  }, 60_000);
});
