// No LiveKit server can run here, so this plays LiveKit's side of the agent protocol (the
// `/agent` WebSocket, protobuf WorkerMessage / ServerMessage from @livekit/protocol): the runtime
// must authenticate with an agent grant and register under the configured agent name, which is
// what explicit dispatches from the Worker's LiveKit driver target.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ServerMessage, WorkerMessage } from "@livekit/protocol";
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { loadSettings } from "../../config.ts";
import { startLiveKitWorker, type LiveKitWorker } from "./server.ts";

let worker: LiveKitWorker | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  for (const close of closers.splice(0)) await close();
});

async function fakeLiveKit() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: "/agent" });
  const seen: { authorization: string | undefined; messages: WorkerMessage[] } = { authorization: undefined, messages: [] };
  const registered = new Promise<WorkerMessage>((resolve) => {
    wss.on("connection", (socket, req) => {
      seen.authorization = req.headers.authorization;
      socket.on("message", (data: Buffer) => {
        const msg = WorkerMessage.fromBinary(new Uint8Array(data));
        seen.messages.push(msg);
        if (msg.message.case === "register") {
          socket.send(new ServerMessage({ message: { case: "register", value: { workerId: "AW_test", serverInfo: {} } } }).toBinary());
          resolve(msg);
        }
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  closers.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, seen, registered };
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
