// The runtime as a process under transport=livekit, started while LiveKit is unreachable: its HTTP
// server still answers (health, a voice preview spoken with the installed flite, job tokens checked),
// the LiveKit worker keeps retrying instead of ending the process, registers once LiveKit is up,
// and SIGTERM stops it with exit 0.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { agentTestRunPath } from "@speaknode/contracts";
import { signRuntimeJobToken, signTtsPreviewToken } from "@speaknode/tokens";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeLiveKit, type FakeLiveKit } from "../transport/livekit/fake-livekit.ts";
import { testTokenSecret } from "../transport/local/testing.ts";

const entry = fileURLToPath(new URL("../main.ts", import.meta.url));
const spaceId = "spc_00000000000000000000000001";
const agentId = "agt_00000000000000000000000001";

/** A port nothing listens on now (the OS's next free one, released at once). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("the voice runtime under transport=livekit", () => {
  it("serves its job routes and /healthz while LiveKit is down, keeps retrying LiveKit, and registers once it is up", async () => {
    // The runtime API: the capability report and recoveries only need an answer.
    const api: Server = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => api.close(() => r())));
    const dir = mkdtempSync(join(tmpdir(), "speaknode-livekit-serve-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const livekitPort = await freePort();
    const healthPort = await freePort();

    const child = spawn(process.execPath, [entry], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env["PATH"] ?? "",
        SPEAKNODE_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
        RUNTIME_TOKEN_SECRET: testTokenSecret,
        RUNTIME_TRANSPORT: "livekit",
        RUNTIME_MEDIA_HOST: "127.0.0.1",
        RUNTIME_MEDIA_PORT: "0",
        LIVEKIT_URL: `ws://127.0.0.1:${livekitPort}`,
        LIVEKIT_API_KEY: "APIkey123",
        LIVEKIT_API_SECRET: "a-livekit-secret-of-at-least-32-characters",
        LIVEKIT_HEALTH_PORT: String(healthPort),
        RUNTIME_DATA_DIR: join(dir, "data"),
        RECORDINGS_DIR: join(dir, "recordings"),
        LOG_LEVEL: "warn",
      },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });

    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toMatch(/speaknode voice runtime ready http:\/\/127\.0\.0\.1:\d+\n/);
    const base = /speaknode voice runtime ready (\S+)/.exec(output)![1]!;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, transport: "livekit" });
    expect((await fetch(`${base}/v1/media`)).status).toBe(404);

    // A voice preview with a valid token is spoken; without one it is refused.
    const flite = JSON.stringify({ provider: "flite", model: "flite", voice: "slt", speed: 1, language: "en-US", text: "Hello from LiveKit's runtime.", credential: null });
    const previewToken = await signTtsPreviewToken(testTokenSecret, { spaceId, ttlS: 60 });
    const spoken = await fetch(`${base}/v1/tts/preview`, { method: "POST", headers: { authorization: `Bearer ${previewToken}`, "content-type": "application/json" }, body: flite });
    expect(spoken.status).toBe(200);
    const wav = Buffer.from(await spoken.arrayBuffer());
    expect(wav.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(wav.length).toBeGreaterThan(8000);
    const unsigned = await fetch(`${base}/v1/tts/preview`, { method: "POST", headers: { "content-type": "application/json" }, body: flite });
    expect(unsigned.status).toBe(401);

    // The agent-tests job route: no token → 401 problem; its own job token gets past to the body check.
    const noToken = await fetch(`${base}${agentTestRunPath}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get("content-type")).toBe("application/problem+json");
    const jobToken = await signRuntimeJobToken(testTokenSecret, "agent-tests", { spaceId, agentId, ttlS: 600 });
    const badBody = await fetch(`${base}${agentTestRunPath}`, { method: "POST", headers: { authorization: `Bearer ${jobToken}`, "content-type": "application/json" }, body: "{}" });
    expect(badBody.status).toBe(400);

    // LiveKit's own health check (up once its inference process has started) says it is not
    // registered; the worker has failed to connect and the process lives on.
    const livekitHealth = () => fetch(`http://127.0.0.1:${healthPort}/`).then((r) => r.status, () => "refused");
    await expect.poll(livekitHealth, { timeout: 60_000, interval: 250 }).toBe(503);
    await expect.poll(() => output, { timeout: 30_000, interval: 200 }).toMatch(/failed to connect to LiveKit server.*retrying/);
    expect(child.exitCode).toBeNull();

    // LiveKit comes up on its address: the worker's next attempt registers.
    let livekit: FakeLiveKit | undefined;
    livekit = await startFakeLiveKit(livekitPort);
    cleanups.push(() => livekit?.close());
    const register = await livekit.registered;
    expect(register.message.case === "register" && register.message.value.agentName).toBe("speaknode-agent");
    await expect.poll(livekitHealth, { timeout: 15_000, interval: 250 }).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 180_000);
});
