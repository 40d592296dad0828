// The embedded media endpoint of the `local` media driver: a WebSocket server on a plain
// node:http server (so other routes can share the port). It admits one connection per session:
// the client's `hello` must come first, within the hello timeout, carrying a media token for the
// session named in the URL's `?session=`. Admitted sockets become LocalMediaChannels.
//
// Nothing a client sends can throw out of a handler: every refusal is a typed `error` frame,
// followed by a close when the connection cannot go on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { mediaCloseCodes, mediaProtocolVersion, parseMediaClientMessage, type MediaErrorCode, type MediaHello, type MediaServerMessage } from "@speaknode/contracts";
import { verifySessionToken } from "@speaknode/tokens";
import { errorFields, log } from "../../log.ts";
import { LocalMediaChannel, rawText, type BackgroundSourceFactory, type MediaTaps } from "./channel.ts";
import { phoneLineClaims } from "./phone-line.ts";

export interface LocalMediaServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  path?: string;
  /** The runtime token secret the Worker signs media tokens with. */
  tokenSecret: string;
  helloTimeoutMs?: number;
  /** Length of the audio frames the server sends and hands the session. */
  frameMs?: number;
  /** Called once per admitted connection, before any audio flows. */
  onChannel: (channel: LocalMediaChannel, info: { role?: string }) => void;
  backgroundSource?: BackgroundSourceFactory;
  /** Raw-audio listeners for a session (a recorder), looked up when it is admitted. */
  taps?: (session: { sessionId: string; agentId: string }) => MediaTaps | undefined;
  leadFrames?: number;
  closePlayoutTimeoutMs?: number;
  pingIntervalMs?: number;
  /** Extra HTTP routes: return true when the request was answered. */
  onRequest?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Extra WebSocket endpoints (another transport's): return true when the upgrade was taken. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
}

export interface LocalMediaServer {
  /** ws://host:port/path, without the `?session=` a client adds. */
  url: string;
  port: number;
  httpServer: Server;
  close(): Promise<void>;
}

// ws refuses (closes 1009) beyond this; below it the protocol's own limits answer with `too_large`.
const wsMaxPayloadBytes = 256 * 1024;

export async function startLocalMediaServer(options: LocalMediaServerOptions): Promise<LocalMediaServer> {
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/v1/media";
  const frameMs = options.frameMs ?? 20;
  const helloTimeoutMs = options.helloTimeoutMs ?? 5000;
  const live = new Map<string, LocalMediaChannel>();

  const httpServer = createServer((req, res) => {
    try {
      if (options.onRequest?.(req, res)) return;
    } catch (err) {
      log.error("local media: request handler failed", errorFields(err));
      if (!res.headersSent) res.writeHead(500).end();
      return;
    }
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && pathname === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, calls: live.size }));
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: wsMaxPayloadBytes, perMessageDeflate: false });

  httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {}); // a reset during the upgrade is the client's business
    try {
      if (options.onUpgrade?.(req, socket, head)) return;
    } catch (err) {
      log.error("local media: upgrade handler failed", errorFields(err));
      return refuseUpgrade(socket, 500, "Internal Server Error");
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const sessionId = url.searchParams.get("session");
    if (url.pathname !== path) return refuseUpgrade(socket, 404, "Not Found");
    if (!sessionId) return refuseUpgrade(socket, 400, "Bad Request");
    wss.handleUpgrade(req, socket, head, (ws) => handshake(ws, sessionId));
  });

  function handshake(ws: WebSocket, sessionId: string): void {
    let phase: "hello" | "verifying" | "done" = "hello";
    ws.on("error", (err) => log.warn("local media: socket error during handshake", { sessionId, ...errorFields(err) }));
    const refuse = (code: MediaErrorCode, message: string, closeCode: number) => {
      phase = "done";
      clearTimeout(timer);
      ws.off("message", onMessage);
      log.warn("local media: connection refused", { sessionId, code });
      sendJson(ws, { type: "error", code, message });
      ws.close(closeCode);
      ws.resume(); // a paused socket would never read the client's close frame
    };
    const timer = setTimeout(() => refuse("hello_timeout", `no hello within ${helloTimeoutMs} ms`, mediaCloseCodes.badInput), helloTimeoutMs);
    ws.on("close", () => {
      phase = "done";
      clearTimeout(timer);
    });

    const onMessage = (data: RawData, isBinary: boolean) => {
      if (phase !== "hello") return;
      if (isBinary) return refuse("bad_frame", "no audio before ready: send hello first", mediaCloseCodes.badInput);
      const parsed = parseMediaClientMessage(rawText(data));
      if (!parsed.ok) return refuse(parsed.error.code, parsed.error.message, mediaCloseCodes.badInput);
      if (parsed.message.type !== "hello") return refuse("bad_frame", "the first message must be hello", mediaCloseCodes.badInput);
      const hello = parsed.message;
      if (hello.protocolVersion !== mediaProtocolVersion) {
        return refuse("unsupported_version", `this server speaks protocol version ${mediaProtocolVersion}`, mediaCloseCodes.badInput);
      }
      // Hold further frames until the token is checked; the channel takes them from there.
      phase = "verifying";
      ws.pause();
      admit(hello).catch((err: unknown) => {
        log.error("local media: admission failed", { sessionId, ...errorFields(err) });
        if (phase === "verifying") refuse("internal", "the connection could not be admitted", mediaCloseCodes.internal);
      });
    };
    ws.on("message", onMessage);

    async function admit(hello: MediaHello): Promise<void> {
      const claims = await verifySessionToken(options.tokenSecret, hello.token, "media");
      if (phase !== "verifying") return; // closed meanwhile
      if (!claims) return refuse("unauthorized", "the media token is invalid or expired", mediaCloseCodes.unauthorized);
      if (claims.sessionId !== sessionId) return refuse("session_mismatch", "the token is for another session", mediaCloseCodes.unauthorized);
      if (live.has(sessionId)) return refuse("session_busy", "this session's media is already connected", mediaCloseCodes.busy);
      phase = "done";
      clearTimeout(timer);
      ws.off("message", onMessage);

      const channel = new LocalMediaChannel({
        socket: ws,
        sessionId,
        agentId: claims.agentId,
        sampleRateHz: hello.sampleRateHz,
        frameMs,
        backgroundSource: options.backgroundSource,
        taps: options.taps?.({ sessionId, agentId: claims.agentId }),
        leadFrames: options.leadFrames,
        closePlayoutTimeoutMs: options.closePlayoutTimeoutMs,
        pingIntervalMs: options.pingIntervalMs,
        // The VoxImplant bridge's token (role "voximplant") makes the call a phone line; any other role none.
        phone: phoneLineClaims(claims),
      });
      live.set(sessionId, channel);
      void channel.ended.then(() => {
        if (live.get(sessionId) === channel) live.delete(sessionId);
      });
      // `ready` goes out before anything the session could send.
      sendJson(ws, { type: "ready", protocolVersion: mediaProtocolVersion, sessionId, sampleRateHz: hello.sampleRateHz, frameMs });
      ws.resume();
      log.info("local media: call admitted", { sessionId, agentId: claims.agentId, role: claims.role, sampleRateHz: hello.sampleRateHz });
      try {
        options.onChannel(channel, claims.role === undefined ? {} : { role: claims.role });
      } catch (err) {
        log.error("local media: onChannel failed", { sessionId, ...errorFields(err) });
        sendJson(ws, { type: "error", code: "internal", message: "the call could not be started" });
        await channel.terminate("internal error", mediaCloseCodes.internal);
      }
    }
  }

  const { port, url } = await listenWs(httpServer, options.port, host, path);
  log.info("local media: listening", { url });

  return {
    url,
    port,
    httpServer,
    async close() {
      await Promise.all([...live.values()].map((channel) => channel.terminate("media server closed")));
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
}

function sendJson(ws: WebSocket, message: MediaServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Listens on host:port (0 = any free port) and names the WebSocket URL at `path` it then serves. */
export async function listenWs(httpServer: import("node:http").Server, wantedPort: number, host: string, path: string): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(wantedPort, host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : wantedPort;
  return { port, url: `ws://${host.includes(":") ? `[${host}]` : host}:${port}${path}` };
}
