// VoxEngine.createWebSocket(url): the cloud's outgoing WebSocket
// (https://voximplant.com/docs/references/voxengine/websocket). Text messages reach the scenario as
// WebSocketEvents.MESSAGE {text}; media-stream events (start/media/stop) are taken by the media unit
// instead: played to the call given to ws.sendMediaTo(call), dropped when there is none. Audio sent
// before the socket opens waits for it. clearMediaBuffer() drops what is queued and not yet played.
import { WebSocket } from "ws";
import type { MediaSink, VoxCall } from "./call.ts";
import { decodeAudio, parseIncoming, type Encoding } from "./media.ts";

export interface SocketDeps {
  /** Raises a WebSocketEvents.* event on the scenario's listeners of this socket. */
  emit(socket: SimSocket, event: string, fields: Record<string, unknown>): void;
  record(kind: string, detail: Record<string, unknown>): void;
}

export class SimSocket implements MediaSink {
  readonly url: string;
  readonly #ws: WebSocket;
  readonly #deps: SocketDeps;
  #mediaTo: VoxCall | null = null;
  #incoming: Encoding = "PCM8";
  #closedReported = false;
  framesIgnored = 0;

  constructor(url: string, deps: SocketDeps) {
    this.url = url;
    this.#deps = deps;
    this.#ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.#ws.on("open", () => {
      deps.record("websocket.open", { url: redactUrl(url) });
      deps.emit(this, "WebSocket.Open", {});
    });
    this.#ws.on("message", (data, isBinary) => this.#receive(isBinary ? null : data.toString()));
    this.#ws.on("error", (err) => {
      deps.record("websocket.error", { message: err.message.slice(0, 200) });
      deps.emit(this, "WebSocket.Error", {});
    });
    this.#ws.on("close", (code, reason) => {
      if (this.#closedReported) return;
      this.#closedReported = true;
      deps.record("websocket.close", { code, reason: reason.toString().slice(0, 200) });
      deps.emit(this, "WebSocket.Close", { code, reason: reason.toString(), wasClean: code === 1000 });
    });
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  get readyState(): number {
    return this.#ws.readyState;
  }

  send(text: string): void {
    if (this.open) this.#ws.send(text);
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000, "closed by the scenario");
  }

  /** ws.sendMediaTo(call): what this socket sends as media is played to that call. */
  sendMediaTo(call: VoxCall): void {
    this.#mediaTo = call;
    this.#deps.record("media.to_call", { callId: call.id });
  }

  stopMediaTo(): void {
    this.#mediaTo = null;
  }

  clearMediaBuffer(): void {
    if (this.#mediaTo) this.#mediaTo.clearAgentAudio();
  }

  #receive(text: string | null): void {
    if (text === null) {
      this.framesIgnored++;
      return;
    }
    const frame = parseIncoming(text);
    if (frame.kind === "text") {
      this.#deps.emit(this, "WebSocket.Message", { text });
      return;
    }
    if (frame.kind === "invalid") {
      this.framesIgnored++;
      if (this.#mediaTo) this.#mediaTo.counters.invalidFrames++;
      this.#deps.record("websocket.invalid_media", { reason: frame.reason });
      return;
    }
    if (frame.kind === "start") {
      this.#incoming = frame.encoding;
      this.#deps.emit(this, "WebSocket.MediaStarted", { encoding: frame.encoding, tag: frame.tag, customParameters: frame.customParameters });
      return;
    }
    if (frame.kind === "stop") {
      this.#deps.emit(this, "WebSocket.MediaEnded", { tag: frame.tag });
      return;
    }
    if (!this.#mediaTo) {
      this.framesIgnored++;
      return;
    }
    this.#mediaTo.enqueueAgentAudio(decodeAudio(frame.payload, this.#incoming));
  }
}

/** A URL for the record: query values named like credentials are hidden. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const key of [...u.searchParams.keys()]) if (/token|secret|key|auth|password|sig/i.test(key)) u.searchParams.set(key, "[redacted]");
    return u.toString();
  } catch {
    return "[invalid url]";
  }
}
