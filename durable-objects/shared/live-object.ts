// The small base every Durable Object of the platform shares (SessionRoom, CampaignRunner): live
// subscribers on hibernating WebSockets with their per-connection state kept on the socket (so it
// survives hibernation), a ping answered by the runtime without waking the object, close codes
// echoed safely, fan-out to every subscriber, and one alarm armed at the nearest moment (or none).
// Each object still owns its own protocol (messages, welcome) and its SQLite.
import { DurableObject } from "cloudflare:workers";
import type { ObjectEnv } from "./env.ts";

export type LiveObjectEnv = ObjectEnv;

/** A ping a client sends as `{"type":"ping"}` is answered `{"type":"pong"}` while the object sleeps. */
export const pingFrame = '{"type":"ping"}';
export const pongFrame = '{"type":"pong"}';

export abstract class LiveObject<Env extends LiveObjectEnv, Attachment> extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env, schema: string) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(schema);
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(pingFrame, pongFrame));
  }

  /** A 426 for anything but a WebSocket upgrade, else null. */
  protected refuseNonUpgrade(request: Request): Response | null {
    if (request.headers.get("Upgrade")?.toLowerCase() === "websocket") return null;
    return new Response("expected a WebSocket upgrade", { status: 426, headers: { Upgrade: "websocket" } });
  }

  /** Accepts a hibernating subscriber carrying `attachment`; returns its server end and the 101. */
  protected acceptSubscriber(attachment: Attachment, tags: string[] = []): { socket: WebSocket; response: Response } {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, tags);
    server.serializeAttachment(attachment);
    return { socket: server, response: new Response(null, { status: 101, webSocket: client }) };
  }

  protected attachmentOf(ws: WebSocket): Attachment | null {
    return (ws.deserializeAttachment() as Attachment | null) ?? null;
  }

  protected subscriberCount(tag?: string): number {
    return this.ctx.getWebSockets(tag).length;
  }

  /** Sends one JSON message to every subscriber (or those tagged `tag`). */
  protected broadcast(message: unknown, tag?: string): void {
    const text = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets(tag)) {
      try {
        ws.send(text);
      } catch {
        // A socket mid-close; its webSocketClose handles the rest.
      }
    }
  }

  protected closeAll(code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(code, reason);
      } catch {
        // The subscriber left already.
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(echoableCloseCode(code), reason);
    } catch {
      // Already closed (the peer may have answered the close itself); nothing left to do.
    }
  }

  /** One alarm at `at` (ms), none when null or not finite. */
  protected async armAlarm(at: number | null): Promise<void> {
    if (at !== null && Number.isFinite(at)) await this.ctx.storage.setAlarm(at);
    else await this.ctx.storage.deleteAlarm();
  }
}

export function sendJson(ws: WebSocket, message: unknown): void {
  ws.send(JSON.stringify(message));
}

// 1005 (no code) and 1006 (abnormal) are reported to us but may not be sent; echoing them throws
// "Invalid WebSocket close code". Only codes a peer may send are echoed.
export function echoableCloseCode(code: number): number {
  const sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  return sendable ? code : 1000;
}
