// The bridge as a process: its ready line, a call hung up on SIGTERM with exit 0, and a clear
// refusal of bad configuration.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadBridgeSettings } from "./config.ts";
import { bridgeTestSecret, callToken, fakeScenario } from "./testing.ts";

const entry = fileURLToPath(new URL("./main.ts", import.meta.url));

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [entry], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe("the bridge process", () => {
  it("says it is ready, and on SIGTERM hangs up its calls and exits 0", async () => {
    const proc = run({ RUNTIME_TOKEN_SECRET: bridgeTestSecret, BRIDGE_PORT: "0", RUNTIME_MEDIA_URL: "ws://127.0.0.1:9/v1/media", LOG_LEVEL: "error" });
    await expect.poll(() => proc.output().stdout, { timeout: 15_000 }).toMatch(/speaknode voximplant bridge ready ws:\/\/127\.0\.0\.1:\d+\/v1\/voximplant\/media\n/);
    const url = /ready (\S+)/.exec(proc.output().stdout)![1]!;
    const scenario = fakeScenario(`${url}?token=${await callToken("ses_p")}`, { codec: "ulaw", sampleRateHz: 8000 });
    await scenario.opened;
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect((await scenario.closed).code).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it("refuses to start without a token secret, saying which setting is wrong", async () => {
    const proc = run({ BRIDGE_PORT: "0" });
    expect(await proc.exited).toBe(1);
    expect(proc.output().stderr).toMatch(/RUNTIME_TOKEN_SECRET/);
  }, 30_000);

  it("needs LiveKit credentials for the livekit driver", () => {
    expect(() => loadBridgeSettings({ RUNTIME_TOKEN_SECRET: bridgeTestSecret, MEDIA_DRIVER: "livekit" })).toThrow(/LIVEKIT_URL/);
    expect(loadBridgeSettings({ RUNTIME_TOKEN_SECRET: bridgeTestSecret }).sink).toEqual({ driver: "local", mediaUrl: "ws://127.0.0.1:8790/v1/media" });
    expect(
      loadBridgeSettings({ RUNTIME_TOKEN_SECRET: bridgeTestSecret, MEDIA_DRIVER: "livekit", LIVEKIT_URL: "wss://lk.example", LIVEKIT_API_KEY: "k", LIVEKIT_API_SECRET: "s" }).sink,
    ).toEqual({ driver: "livekit", url: "wss://lk.example", apiKey: "k", apiSecret: "s" });
  });
});
