// Twilio Media Streams, Twilio's side of a bidirectional <Connect><Stream>
// (https://www.twilio.com/docs/voice/media-streams/websocket-messages). Twilio opens a WebSocket to
// the stream URL and sends JSON text frames:
//   {"event":"connected","protocol":"Call","version":"1.0.0"}
//   {"event":"start","sequenceNumber":"1","start":{"accountSid","streamSid","callSid","tracks":["inbound"],
//     "customParameters":{…},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid"}
//   {"event":"media","sequenceNumber":"2","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"<base64 μ-law>"},"streamSid"}
//   {"event":"dtmf","streamSid","sequenceNumber","dtmf":{"track":"inbound_track","digit":"1"}}
//   {"event":"mark","sequenceNumber","streamSid","mark":{"name":"…"}}  (once the audio sent before that mark has played)
//   {"event":"stop","sequenceNumber","streamSid","stop":{"accountSid","callSid"}}
// and reads from the server `media` {event, streamSid, media:{payload}}, `mark` {event, streamSid, mark:{name}}
// and `clear` {event, streamSid} (drops the audio not yet played and sends back the pending marks).
// Sequence numbers, chunks and timestamps are strings, as Twilio sends them.
import { randomBytes } from "node:crypto";
import { WebSocket } from "ws";
import { frameSamples, mulawDecode, mulawSilence } from "./audio.ts";

type Queued = { kind: "audio"; bytes: Uint8Array } | { kind: "mark"; name: string };

export interface StreamEvents {
  /** A message the stream server sent, summarised for the call's record. */
  onServerMessage(kind: "media" | "mark" | "clear" | "invalid", detail: Record<string, unknown>): void;
  /** The simulator sent a mark back, or sent anything else worth counting. */
  onSent(kind: "connected" | "start" | "media" | "dtmf" | "mark" | "stop", detail: Record<string, unknown>): void;
  /** The socket closed; `byServer` is false when the simulator closed it. */
  onClosed(byServer: boolean, code: number, reason: string): void;
}

export interface StreamStart {
  url: string;
  accountSid: string;
  callSid: string;
  parameters: Record<string, string>;
}

export class MediaStream {
  readonly streamSid = `MZ${randomBytes(16).toString("hex")}`;
  readonly #start: StreamStart;
  readonly #events: StreamEvents;
  #ws: WebSocket | null = null;
  #sequence = 0;
  #chunk = 0;
  #queue: Queued[] = [];
  #stopping = false;
  #closed = false;

  constructor(start: StreamStart, events: StreamEvents) {
    this.#start = start;
    this.#events = events;
  }

  get open(): boolean {
    return this.#ws !== null && this.#ws.readyState === WebSocket.OPEN && !this.#stopping;
  }

  /** Connects and sends `connected` and `start`; resolves false when the server cannot be reached. */
  connect(timeoutMs = 10_000): Promise<boolean> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.#start.url, { handshakeTimeout: timeoutMs });
      this.#ws = ws;
      let opened = false;
      ws.on("open", () => {
        opened = true;
        this.#send({ event: "connected", protocol: "Call", version: "1.0.0" }, "connected", {});
        this.#send(
          {
            event: "start",
            sequenceNumber: this.#nextSequence(),
            start: {
              accountSid: this.#start.accountSid,
              streamSid: this.streamSid,
              callSid: this.#start.callSid,
              tracks: ["inbound"],
              customParameters: this.#start.parameters,
              mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
            },
            streamSid: this.streamSid,
          },
          "start",
          { customParameters: Object.keys(this.#start.parameters) },
        );
        resolve(true);
      });
      ws.on("message", (data, isBinary) => this.#receive(isBinary ? null : data.toString()));
      ws.on("error", () => {
        if (!opened) resolve(false);
      });
      ws.on("close", (code, reason) => {
        if (this.#closed) return;
        this.#closed = true;
        if (!opened) resolve(false);
        this.#events.onClosed(!this.#stopping, code, reason.toString());
      });
    });
  }

  /** One 20 ms frame of the caller's audio (160 bytes of μ-law). */
  sendMedia(frame: Uint8Array): void {
    if (!this.open) return;
    this.#chunk++;
    // Milliseconds of audio since the stream started: the frame's place on the audio timeline.
    const timestamp = (this.#chunk - 1) * 20;
    this.#send(
      { event: "media", sequenceNumber: this.#nextSequence(), media: { track: "inbound", chunk: String(this.#chunk), timestamp: String(timestamp), payload: Buffer.from(frame).toString("base64") }, streamSid: this.streamSid },
      "media",
      { bytes: frame.length },
    );
  }

  sendDtmf(digit: string): void {
    if (!this.open) return;
    this.#send({ event: "dtmf", streamSid: this.streamSid, sequenceNumber: this.#nextSequence(), dtmf: { track: "inbound_track", digit } }, "dtmf", { digit });
  }

  /**
   * Plays 20 ms of the agent's queued audio: returns the samples played (silence where nothing was
   * queued) and whether anything came from the queue; sends back each mark the playback reaches.
   */
  playFrame(): { pcm: Int16Array; played: boolean } {
    const out = new Uint8Array(frameSamples).fill(mulawSilence);
    let filled = 0;
    this.#echoMarksAtHead();
    while (filled < frameSamples) {
      const head = this.#queue[0];
      if (!head || head.kind !== "audio") break;
      const take = Math.min(frameSamples - filled, head.bytes.length);
      out.set(head.bytes.subarray(0, take), filled);
      filled += take;
      if (take === head.bytes.length) this.#queue.shift();
      else head.bytes = head.bytes.subarray(take);
      this.#echoMarksAtHead();
    }
    return { pcm: mulawDecode(out), played: filled > 0 };
  }

  get queuedAudioBytes(): number {
    return this.#queue.reduce((n, q) => n + (q.kind === "audio" ? q.bytes.length : 0), 0);
  }

  /** Twilio's side of the end of a stream: `stop`, then the socket closes. */
  stop(): void {
    if (this.#stopping || this.#closed) return;
    if (this.open) {
      this.#send({ event: "stop", sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, stop: { accountSid: this.#start.accountSid, callSid: this.#start.callSid } }, "stop", {});
    }
    this.#stopping = true;
    this.#queue = [];
    this.#ws?.close(1000, "call ended");
  }

  #echoMarksAtHead(): void {
    while (this.#queue[0]?.kind === "mark") {
      const mark = this.#queue.shift();
      if (mark?.kind === "mark") this.#sendMark(mark.name);
    }
  }

  #sendMark(name: string): void {
    if (!this.open) return;
    this.#send({ event: "mark", sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, mark: { name } }, "mark", { name });
  }

  #receive(text: string | null): void {
    if (this.#stopping) return;
    let msg: unknown;
    try {
      msg = text === null ? null : JSON.parse(text);
    } catch {
      msg = null;
    }
    const m = typeof msg === "object" && msg !== null ? (msg as Record<string, unknown>) : null;
    const event = m?.event;
    const streamSidOk = m?.streamSid === this.streamSid;
    if (event === "media" && streamSidOk) {
      const media = m?.media as Record<string, unknown> | undefined;
      const payload = typeof media?.payload === "string" ? media.payload : null;
      if (payload !== null) {
        const bytes = new Uint8Array(Buffer.from(payload, "base64"));
        if (bytes.length > 0) this.#queue.push({ kind: "audio", bytes });
        this.#events.onServerMessage("media", { bytes: bytes.length });
        return;
      }
    } else if (event === "mark" && streamSidOk) {
      const mark = m?.mark as Record<string, unknown> | undefined;
      if (typeof mark?.name === "string") {
        this.#queue.push({ kind: "mark", name: mark.name });
        this.#events.onServerMessage("mark", { name: mark.name });
        return;
      }
    } else if (event === "clear" && streamSidOk) {
      const pending = this.#queue.filter((q): q is { kind: "mark"; name: string } => q.kind === "mark");
      const droppedBytes = this.queuedAudioBytes;
      this.#queue = [];
      this.#events.onServerMessage("clear", { droppedBytes, pendingMarks: pending.length });
      for (const mark of pending) this.#sendMark(mark.name);
      return;
    }
    // Twilio ignores what it does not understand; the record keeps a trace of it.
    this.#events.onServerMessage("invalid", { event: typeof event === "string" ? event.slice(0, 40) : null, streamSidOk });
  }

  #nextSequence(): string {
    this.#sequence++;
    return String(this.#sequence);
  }

  #send(message: Record<string, unknown>, kind: "connected" | "start" | "media" | "dtmf" | "mark" | "stop", detail: Record<string, unknown>): void {
    this.#ws?.send(JSON.stringify(message));
    this.#events.onSent(kind, detail);
  }
}
