// No LiveKit server can run here, so a fake plays LiveKit's side of the agent protocol
// (fake-livekit.ts): the runtime must authenticate with an agent grant and register under the
// configured agent name, which is what explicit dispatches from the Worker's LiveKit driver target.
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { loadSettings } from "../../config.ts";
import { startFakeLiveKit } from "./fake-livekit.ts";
import { startLiveKitWorker, type LiveKitWorker } from "./server.ts";

let worker: LiveKitWorker | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  for (const close of closers.splice(0)) await close();
});

async function fakeLiveKit() {
  const livekit = await startFakeLiveKit();
  closers.push(() => livekit.close());
  return livekit;
}

describe("the LiveKit agent worker", () => {
  it("registers with an agent grant under the configured agent name", async () => {
    const livekit = await fakeLiveKit();
    const settings = loadSettings({
      RUNTIME_TOKEN_SECRET: "a-runtime-token-secret-of-32-chars!!",
      RUNTIME_TRANSPORT: "livekit",
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: "APIkey123",
      LIVEKIT_API_SECRET: "a-livekit-secret-of-at-least-32-characters",
      LIVEKIT_AGENT_NAME: "speaknode-agent-test",
    });
    worker = startLiveKitWorker(settings, { production: false });
    const register = await livekit.registered;
    if (register.message.case !== "register") throw new Error("not a register message");
    expect(register.message.value.agentName).toBe("speaknode-agent-test");
    expect(register.message.value.allowedPermissions?.agent).toBe(true);

    const jwt = (livekit.seen.authorization ?? "").replace(/^Bearer /, "");
    const claims = decodeJwt(jwt);
    expect(claims.iss).toBe("APIkey123");
    expect(claims["video"]).toMatchObject({ agent: true });
  });

  it("refuses to start without LiveKit credentials", () => {
    expect(() => loadSettings({ RUNTIME_TOKEN_SECRET: "a-runtime-token-secret-of-32-chars!!", RUNTIME_TRANSPORT: "livekit" })).toThrow(/LIVEKIT_URL/);
  });
});
