// For tests: LiveKit's side of the agent protocol (the `/agent` WebSocket, protobuf WorkerMessage /
// ServerMessage from @livekit/protocol), enough for a worker to register. No LiveKit server can run here.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ServerMessage, WorkerMessage } from "@livekit/protocol";
import { WebSocketServer } from "ws";

export interface FakeLiveKit {
  url: string;
  seen: { authorization: string | undefined; messages: WorkerMessage[] };
  /** The worker's first register message. */
  registered: Promise<WorkerMessage>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0 = a free one) and answers every register with a worker id. */
export async function startFakeLiveKit(port = 0): Promise<FakeLiveKit> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: "/agent" });
  const seen: FakeLiveKit["seen"] = { authorization: undefined, messages: [] };
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
  await new Promise<void>((r) => http.listen(port, "127.0.0.1", r));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    seen,
    registered,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
