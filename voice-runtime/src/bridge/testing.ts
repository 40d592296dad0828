// Fakes for the bridge's tests and its latency measurement: a VoxImplant scenario's WebSocket
// speaking the documented media format, a local media endpoint speaking the runtime's protocol,
// an echoing sink, and a LiveKit room.
import { createServer, type Server } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { mediaProtocolVersion, parseMediaClientMessage } from "@speaknode/contracts";
import { signSessionToken, verifySessionToken } from "@speaknode/tokens";
import { rawBytes, rawText } from "../transport/local/channel.ts";
import { bytesFromPcm, pcmFromBytes } from "../transport/local/pcm.ts";
import { decodePayload, encodePayload, mediaFormatFields, type VoximplantMediaFormat } from "../transport/voximplant/serializer.ts";
import type { SinkRoom } from "./livekit-sink.ts";
import type { SinkFactory } from "./sink.ts";

export const bridgeTestSecret = "test-runtime-token-secret-of-32-chars!";

export function callToken(sessionId: string, options: { role?: string; secret?: string; ttlS?: number } = {}): Promise<string> {
  return signSessionToken(options.secret ?? bridgeTestSecret, {
    sessionId,
    agentId: "agt_test",
    scope: "media",
    role: options.role ?? "voximplant",
    callId: `vox-${sessionId}`,
    ttlS: options.ttlS ?? 120,
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ReceivedMedia {
  samples: Int16Array;
  chunk: number;
  timestamp: number;
  atMs: number;
}

/** The scenario's side: `VoxEngine.createWebSocket(url)` + `call.sendMediaTo(ws, {encoding})`. */
export function fakeScenario(url: string, format: VoximplantMediaFormat) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const media: ReceivedMedia[] = [];
  const controls: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const listeners: (() => void)[] = [];
  let sequenceNumber = 0;
  let chunk = 0;
  let timestamp = 0;
  ws.on("error", () => {}); // refusals show as close codes
  ws.on("message", (data) => {
    const atMs = performance.now();
    const json = JSON.parse(rawText(data)) as Record<string, unknown>;
    if ("speaknode" in json) controls.push(json);
    else events.push(json);
    if (json["event"] === "media") {
      const m = json["media"] as { chunk: number; timestamp: number; payload: string };
      media.push({ samples: decodePayload(m.payload, format.codec)!, chunk: m.chunk, timestamp: m.timestamp, atMs });
    }
    for (const listener of listeners) listener();
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  const send = (frame: object) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };
  return {
    ws,
    opened,
    closed,
    media,
    controls,
    events,
    start: () => send({ event: "start", sequenceNumber: sequenceNumber++, start: { mediaFormat: mediaFormatFields(format), customParameters: "{}" } }),
    sendSamples(samples: Int16Array) {
      send({ event: "media", sequenceNumber: sequenceNumber++, media: { chunk: ++chunk, timestamp, payload: encodePayload(samples, format.codec) } });
      timestamp += samples.length;
    },
    stop: () => send({ event: "stop", sequenceNumber: sequenceNumber++, stop: { mediaInfo: { bytesSent: 0, duration: 0 } } }),
    sendRaw: (text: string) => ws.send(text),
    sendControl: (frame: object) => send(frame),
    /** Resolves when `check` holds (checked on every frame received), or rejects after `timeoutMs`. */
    until(check: () => boolean, timeoutMs = 5000): Promise<void> {
      if (check()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("scenario: condition not met in time")), timeoutMs);
        listeners.push(() => {
          if (!check()) return;
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** The runtime's local media endpoint, for one call: admits the bridge's hello and lets a test play the agent. */
export async function fakeLocalMedia(options: { secret?: string; port?: number; /** Admit, but never send ready. */ holdReady?: boolean } = {}) {
  const httpServer: Server = createServer();
  const wss = new WebSocketServer({ server: httpServer });
  const state = {
    socket: null as WebSocket | null,
    hello: null as { sessionId: string; role: string | undefined; sampleRateHz: number } | null,
    callerPcm: [] as Int16Array[],
    clientEnd: null as string | null,
    /** Keys the bridge forwarded (client `dtmf` messages), as sent. */
    dtmf: [] as string[],
    closedCode: null as number | null,
  };
  const admitted = new Promise<void>((resolve) => {
    wss.on("connection", (ws, req) => {
      const sessionId = new URL(req.url ?? "/", "http://localhost").searchParams.get("session") ?? "";
      ws.on("close", (code) => (state.closedCode = code));
      ws.on("message", (data, isBinary) => {
        if (isBinary) {
          state.callerPcm.push(pcmFromBytes(rawBytes(data)));
          return;
        }
        const parsed = parseMediaClientMessage(rawText(data));
        if (!parsed.ok) return;
        if (parsed.message.type === "end") state.clientEnd = parsed.message.reason ?? "";
        if (parsed.message.type === "dtmf") state.dtmf.push(parsed.message.digits);
        if (parsed.message.type !== "hello") return;
        const hello = parsed.message;
        void verifySessionToken(options.secret ?? bridgeTestSecret, hello.token, "media").then((claims) => {
          if (!claims || claims.sessionId !== sessionId) {
            ws.send(JSON.stringify({ type: "error", code: "unauthorized", message: "bad token" }));
            ws.close(4401);
            return;
          }
          state.socket = ws;
          state.hello = { sessionId, role: claims.role, sampleRateHz: hello.sampleRateHz };
          if (!options.holdReady) ws.send(JSON.stringify({ type: "ready", protocolVersion: mediaProtocolVersion, sessionId, sampleRateHz: hello.sampleRateHz, frameMs: 20 }));
          resolve();
        });
      });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const socket = () => {
    if (!state.socket) throw new Error("no bridge connected yet");
    return state.socket;
  };
  return {
    url: `ws://127.0.0.1:${port}/v1/media`,
    state,
    admitted,
    callerSamples: () => state.callerPcm.reduce((n, pcm) => n + pcm.length, 0),
    sendAudio: (samples: Int16Array) => socket().send(bytesFromPcm(samples)),
    clear: () => socket().send(JSON.stringify({ type: "clear" })),
    /** The agent presses keys (send_dtmf): a server `dtmf` message. */
    pressKeys: (digits: string) => socket().send(JSON.stringify({ type: "dtmf", digits })),
    /** The agent hangs up: `end`, then close (as the runtime's channel does). */
    hangUp(reason: string) {
      socket().send(JSON.stringify({ type: "end", reason }));
      socket().close(1000);
    },
    /** The runtime's socket drops without `end`. */
    drop: () => socket().terminate(),
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** A sink that plays every caller frame straight back as the agent's audio. */
export function echoSink(): SinkFactory {
  return (_target, events) => ({
    ready: Promise.resolve(),
    sendAudio: (samples) => events.onAudio(samples),
    sendDtmf: () => false,
    end: async () => {},
  });
}

/** A LiveKit room in memory: records what the sink did, and plays the agent. */
export class FakeSinkRoom implements SinkRoom {
  connectedWith: { url: string; token: string } | null = null;
  published: { sampleRateHz: number; samples: Int16Array[] } | null = null;
  dtmfSent: { code: number; digit: string }[] = [];
  disconnected = false;
  private agentAudio: ((samples: Int16Array) => void) | null = null;
  private dtmf: ((digit: string) => void) | null = null;
  private agentLeft: (() => void) | null = null;
  private lost: ((reason: string) => void) | null = null;

  async connect(url: string, token: string): Promise<void> {
    this.connectedWith = { url, token };
  }
  async publishMicrophone(sampleRateHz: number): Promise<(samples: Int16Array) => void> {
    const published = { sampleRateHz, samples: [] as Int16Array[] };
    this.published = published;
    return (samples) => published.samples.push(samples.slice());
  }
  onAgentAudio(_sampleRateHz: number, listener: (samples: Int16Array) => void): void {
    this.agentAudio = listener;
  }
  onDtmf(listener: (digit: string) => void): void {
    this.dtmf = listener;
  }
  async publishDtmf(code: number, digit: string): Promise<void> {
    this.dtmfSent.push({ code, digit });
  }
  onAgentLeft(listener: () => void): void {
    this.agentLeft = listener;
  }
  onDisconnected(listener: (reason: string) => void): void {
    this.lost = listener;
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
  // The agent's side:
  agentSpeaks(samples: Int16Array): void {
    this.agentAudio?.(samples);
  }
  agentPresses(digit: string): void {
    this.dtmf?.(digit);
  }
  agentLeaves(): void {
    this.agentLeft?.();
  }
  roomLost(): void {
    this.lost?.("SIGNAL_CLOSE");
  }
}
