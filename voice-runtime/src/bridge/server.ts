// The VoxImplant media bridge's server: the scenario opens `VoxEngine.createWebSocket(bridgeUrl)`
// to /v1/voximplant/media?token=<call token>; the token (signed by the Worker with the runtime
// token secret: scope media, role "voximplant", 120 s) names the session. A token is taken once:
// a second connection with it, any other role, or a bad token is closed with 4401 and a reason,
// after a typed error frame. `GET /healthz` and `GET /metrics` (per live call and totals) share
// the port.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { verifySessionToken } from "@speaknode/tokens";
import { errorFields, log } from "../log.ts";
import { listenWs } from "../transport/local/server.ts";
import { serialize } from "../transport/voximplant/serializer.ts";
import { BridgeCall, bridgeCloseCodes, type BridgeCallOptions, type CallMetrics } from "./call.ts";
import type { SinkFactory } from "./sink.ts";

export const voximplantMediaPath = "/v1/voximplant/media";
export const voximplantTokenRole = "voximplant";

export interface VoximplantBridgeOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  tokenSecret: string;
  sink: SinkFactory;
  pacer?: BridgeCallOptions["pacer"];
  hangupDrainMs?: number;
  pingIntervalMs?: number;
}

export interface BridgeMetrics {
  calls: CallMetrics[];
  totals: { calls: number; framesIn: number; framesOut: number; underruns: number; drops: number; ignored: number; refused: number; dtmfIn: number; dtmfOut: number };
}

export interface VoximplantBridge {
  /** ws://host:port/v1/voximplant/media (the scenario adds `?token=`). */
  url: string;
  port: number;
  metrics(): BridgeMetrics;
  close(): Promise<void>;
}

const wsMaxPayloadBytes = 256 * 1024;

export async function startVoximplantBridge(options: VoximplantBridgeOptions): Promise<VoximplantBridge> {
  const host = options.host ?? "127.0.0.1";
  const live = new Set<BridgeCall>();
  /** Token ids already used, with their expiry (s): a replay inside the token's life is refused. */
  const usedTokens = new Map<string, number>();
  const totals = { calls: 0, framesIn: 0, framesOut: 0, underruns: 0, drops: 0, ignored: 0, refused: 0, dtmfIn: 0, dtmfOut: 0 };

  function metrics(): BridgeMetrics {
    const calls = [...live].map((call) => call.metrics());
    const sum = (key: "framesIn" | "framesOut" | "underruns" | "drops" | "ignored" | "dtmfIn" | "dtmfOut") => totals[key] + calls.reduce((n, c) => n + c[key], 0);
    return {
      calls,
      totals: { calls: totals.calls, framesIn: sum("framesIn"), framesOut: sum("framesOut"), underruns: sum("underruns"), drops: sum("drops"), ignored: sum("ignored"), refused: totals.refused, dtmfIn: sum("dtmfIn"), dtmfOut: sum("dtmfOut") },
    };
  }

  const httpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && pathname === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, calls: live.size }));
      return;
    }
    if (req.method === "GET" && pathname === "/metrics") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(metrics()));
      return;
    }
    res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify({ type: "about:blank", title: "Not Found", status: 404, code: "not_found" }));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: wsMaxPayloadBytes, perMessageDeflate: false });

  httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {}); // a reset during the upgrade is the client's business
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== voximplantMediaPath) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const token = url.searchParams.get("token") ?? "";
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Frames that arrive while the token is checked wait in the socket.
      ws.pause();
      admit(ws, token).catch((err: unknown) => {
        log.error("voximplant bridge: admission failed", errorFields(err));
        refuse(ws, bridgeCloseCodes.internal, "internal", "the call could not be admitted");
      });
    });
  });

  function refuse(ws: WebSocket, closeCode: number, code: string, message: string): void {
    totals.refused++;
    log.warn("voximplant bridge: connection refused", { code });
    if (ws.readyState === ws.OPEN) ws.send(serialize({ kind: "error", code, message }));
    ws.close(closeCode, message);
    ws.resume(); // a paused socket would never read the client's close frame
  }

  async function admit(ws: WebSocket, token: string): Promise<void> {
    const claims = token ? await verifySessionToken(options.tokenSecret, token, "media") : null;
    if (!claims || claims.role !== voximplantTokenRole || !claims.tokenId) {
      return refuse(ws, bridgeCloseCodes.unauthorized, "unauthorized", "the call token is invalid, expired or not a VoxImplant call token");
    }
    const nowS = Date.now() / 1000;
    for (const [id, expiresAtS] of usedTokens) if (expiresAtS < nowS) usedTokens.delete(id);
    if (usedTokens.has(claims.tokenId)) return refuse(ws, bridgeCloseCodes.unauthorized, "token_used", "the call token was already used");
    usedTokens.set(claims.tokenId, claims.expiresAtS ?? nowS + 3600);
    if (ws.readyState !== ws.OPEN) return;

    const call = new BridgeCall({
      socket: ws,
      target: { sessionId: claims.sessionId, agentId: claims.agentId, callId: claims.callId },
      sink: options.sink,
      pacer: options.pacer,
      hangupDrainMs: options.hangupDrainMs,
      pingIntervalMs: options.pingIntervalMs,
    });
    live.add(call);
    totals.calls++;
    void call.ended.then(() => {
      const last = call.metrics();
      totals.framesIn += last.framesIn;
      totals.framesOut += last.framesOut;
      totals.underruns += last.underruns;
      totals.drops += last.drops;
      totals.ignored += last.ignored;
      totals.dtmfIn += last.dtmfIn;
      totals.dtmfOut += last.dtmfOut;
      live.delete(call);
    });
    ws.resume();
  }

  const { port, url } = await listenWs(httpServer, options.port, host, voximplantMediaPath);

  return {
    url,
    port,
    metrics,
    async close() {
      await Promise.all([...live].map((call) => call.shutdown("the bridge is stopping")));
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
}
