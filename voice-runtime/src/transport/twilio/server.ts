// The runtime's Twilio Media Streams endpoint (WebSocket upgrades on /v1/twilio/media-stream) and
// its control route (POST /v1/twilio/sessions/{sessionId}/answered-by), served on the media HTTP
// server next to /v1/media (startLocalMediaServer's onUpgrade / onRequest hooks).
//
// Admission: Twilio sends `connected`, then `start`, whose customParameters carry the session id
// and the media token the Worker put in the TwiML. The stream is admitted only when the token is
// valid, for a phone, for that session, bound to this CallSid when it names one, and not used
// before (token ids are remembered until they expire); one live stream per session. Anything
// else closes the socket (1008) — Twilio then moves past <Connect>, which ends the call — and is
// logged without the token.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { z } from "zod";
import { verifyRuntimeServiceToken, verifySessionToken } from "@speaknode/tokens";
import { errorFields, log } from "../../log.ts";
import { rawText, type BackgroundSourceFactory, type MediaTaps } from "../local/channel.ts";
import { TwilioMediaChannel, twilioCloseCodes } from "./channel.ts";
import { deserialize, type TwilioStart } from "./serializer.ts";

export const twilioMediaStreamPath = "/v1/twilio/media-stream";
const answeredByPath = /^\/v1\/twilio\/sessions\/(ses_[0-9a-z]{1,64})\/answered-by$/;

export interface TwilioMediaStreamsOptions {
  /** The runtime token secret: media tokens and the Worker's service tokens are signed with it. */
  tokenSecret: string;
  /** How long a new socket may take to send `start` (default 5 s). */
  handshakeTimeoutMs?: number;
  /** Called once per admitted stream, before any audio flows. */
  onChannel: (channel: TwilioMediaChannel) => void;
  backgroundSource?: BackgroundSourceFactory;
  taps?: (session: { sessionId: string; agentId: string }) => MediaTaps | undefined;
  leadFrames?: number;
  closePlayoutTimeoutMs?: number;
  pingIntervalMs?: number;
}

export interface TwilioMediaStreams {
  /** For startLocalMediaServer's `onUpgrade`: true when the upgrade was this endpoint's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** For startLocalMediaServer's `onRequest`: true when the request was this endpoint's. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Live streams by session id. */
  readonly live: ReadonlyMap<string, TwilioMediaChannel>;
  close(): Promise<void>;
}

const AnsweredByBody = z.object({ answeredBy: z.string().regex(/^[a-z_]{1,40}$/) });
const bodyMaxBytes = 4096;
const wsMaxPayloadBytes = 128 * 1024;

export function createTwilioMediaStreams(options: TwilioMediaStreamsOptions): TwilioMediaStreams {
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  const live = new Map<string, TwilioMediaChannel>();
  /** Token ids already presented, with when they expire (ms). */
  const usedTokens = new Map<string, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: wsMaxPayloadBytes, perMessageDeflate: false });

  function useToken(tokenId: string, expiresAtS: number | undefined): boolean {
    const now = Date.now();
    for (const [id, until] of usedTokens) if (until <= now) usedTokens.delete(id);
    if (usedTokens.has(tokenId)) return false;
    usedTokens.set(tokenId, (expiresAtS ?? now / 1000 + 3600) * 1000);
    return true;
  }

  function handshake(ws: WebSocket): void {
    let phase: "start" | "verifying" | "done" = "start";
    /** Frames that arrive while the token is checked: the channel gets them, in order. */
    const held: { data: RawData; isBinary: boolean }[] = [];
    ws.on("error", (err) => log.warn("twilio media: socket error during handshake", errorFields(err)));
    const refuse = (reason: string, fields: Record<string, unknown> = {}) => {
      if (phase === "done") return;
      phase = "done";
      clearTimeout(timer);
      ws.off("message", onMessage);
      log.warn("twilio media: stream refused", { reason, ...fields });
      ws.close(twilioCloseCodes.policy, reason.slice(0, 120));
    };
    const timer = setTimeout(() => refuse("no start in time"), handshakeTimeoutMs);
    ws.on("close", () => {
      phase = "done";
      clearTimeout(timer);
    });

    const onMessage = (data: RawData, isBinary: boolean) => {
      if (phase === "verifying") {
        held.push({ data, isBinary });
        return;
      }
      if (phase !== "start") return;
      const message = isBinary ? null : deserialize(rawText(data));
      if (message?.event === "connected") return;
      if (message?.event !== "start") return refuse("the stream did not begin with connected and start");
      phase = "verifying";
      admit(message).catch((err: unknown) => {
        log.error("twilio media: admission failed", errorFields(err));
        if (phase === "verifying") refuse("internal error");
      });
    };
    ws.on("message", onMessage);

    async function admit(message: TwilioStart): Promise<void> {
      const start = message.start;
      const sessionId = start.customParameters["sessionId"] ?? "";
      const token = start.customParameters["token"] ?? "";
      const where = { callSid: start.callSid, claimedSessionId: sessionId.slice(0, 40) };
      const format = start.mediaFormat;
      if (format.encoding !== "audio/x-mulaw" || format.sampleRate !== 8000 || format.channels !== 1) return refuse("unsupported media format", where);
      if (message.streamSid !== start.streamSid) return refuse("inconsistent stream id", where);
      const claims = token ? await verifySessionToken(options.tokenSecret, token, "media") : null;
      if (phase !== "verifying") return; // the socket closed meanwhile
      if (!claims) return refuse("the media token is invalid or expired", where);
      if (claims.role !== "phone") return refuse("the media token is not for a phone", where);
      if (claims.sessionId !== sessionId) return refuse("the media token is for another session", where);
      if (claims.callId !== undefined && claims.callId !== start.callSid) return refuse("the media token is bound to another call", where);
      if (!claims.tokenId || !useToken(claims.tokenId, claims.expiresAtS)) return refuse("the media token was already used", where);
      if (live.has(sessionId)) return refuse("the session already has a live stream", where);
      phase = "done";
      clearTimeout(timer);
      ws.off("message", onMessage);

      const channel = new TwilioMediaChannel({
        socket: ws,
        sessionId,
        agentId: claims.agentId,
        stream: { streamSid: start.streamSid, callSid: start.callSid, accountSid: start.accountSid },
        backgroundSource: options.backgroundSource,
        taps: options.taps?.({ sessionId, agentId: claims.agentId }),
        leadFrames: options.leadFrames,
        closePlayoutTimeoutMs: options.closePlayoutTimeoutMs,
        pingIntervalMs: options.pingIntervalMs,
      });
      live.set(sessionId, channel);
      void channel.ended.then(() => {
        if (live.get(sessionId) === channel) live.delete(sessionId);
      });
      log.info("twilio media: stream admitted", { sessionId, agentId: claims.agentId, callSid: start.callSid, tracks: start.tracks });
      try {
        options.onChannel(channel);
      } catch (err) {
        log.error("twilio media: onChannel failed", { sessionId, ...errorFields(err) });
        await channel.terminate("internal error", twilioCloseCodes.internal);
        return;
      }
      for (const frame of held.splice(0)) channel.receive(frame.data, frame.isBinary);
    }
  }

  async function answeredBy(req: IncomingMessage, res: ServerResponse, sessionId: string): Promise<void> {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    let claims: Awaited<ReturnType<typeof verifyRuntimeServiceToken>>;
    try {
      claims = await verifyRuntimeServiceToken(options.tokenSecret, token);
    } catch {
      return problem(res, 401, "unauthorized", "a runtime service token is required");
    }
    if (claims.subject !== "worker" || claims.sessionId !== sessionId) return problem(res, 401, "unauthorized", "the token is not the Worker's for this session");
    const body = await readBody(req, bodyMaxBytes);
    if (body === null) return problem(res, 413, "too_large", `the body is limited to ${bodyMaxBytes} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return problem(res, 400, "bad_request", "the body is not JSON");
    }
    const parsed = AnsweredByBody.safeParse(json);
    if (!parsed.success) return problem(res, 400, "bad_request", "answeredBy must be a verdict like machine_end_beep");
    const channel = live.get(sessionId);
    if (!channel) return problem(res, 404, "not_found", "the session has no live call on this runtime");
    log.info("twilio media: answered-by received", { sessionId, answeredBy: parsed.data.answeredBy });
    channel.answeredBy(parsed.data.answeredBy);
    res.writeHead(204).end();
  }

  return {
    live,
    handleUpgrade(req, socket, head) {
      if (new URL(req.url ?? "/", "http://localhost").pathname !== twilioMediaStreamPath) return false;
      wss.handleUpgrade(req, socket, head, (ws) => handshake(ws));
      return true;
    },
    handleRequest(req, res) {
      const match = answeredByPath.exec(new URL(req.url ?? "/", "http://localhost").pathname);
      if (!match) return false;
      if (req.method !== "POST") {
        problem(res, 405, "method_not_allowed", "use POST");
        return true;
      }
      answeredBy(req, res, match[1]!).catch((err: unknown) => {
        log.error("twilio media: answered-by failed", errorFields(err));
        if (!res.headersSent) problem(res, 500, "internal", "the verdict could not be handled");
      });
      return true;
    },
    async close() {
      await Promise.all([...live.values()].map((channel) => channel.terminate("media server closed")));
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res.writeHead(status, { "content-type": "application/problem+json" }).end(JSON.stringify({ type: "about:blank", title: code, status, code, detail }));
}

/** The body as text, or null when it is larger than `maxBytes`. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size > maxBytes ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
