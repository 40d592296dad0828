// A small Node client of the local media protocol, for tests, the bench and process-level
// tests: it plays the caller, sending PCM16 and collecting what the agent sends back (it plays
// nothing, so it echoes every mark as soon as it arrives).
import { WebSocket } from "ws";
import { mediaProtocolVersion, parseMediaServerMessage, type MediaErrorFrame, type MediaReady, type MediaSampleRate, type MediaServerMessage } from "@speaknode/contracts";
import { rawBytes, rawText } from "./channel.ts";
import { bytesFromPcm, pcmFromBytes } from "./pcm.ts";

export interface ReceivedAudio {
  samples: Int16Array;
  /** Date.now() on arrival. */
  atMs: number;
}

export interface LocalMediaClient {
  /** Resolves on `ready`; rejects if the server refuses or the socket closes first. */
  readonly ready: Promise<MediaReady>;
  /** Agent audio, in arrival order. */
  readonly received: ReceivedAudio[];
  readonly marks: { name: string; atMs: number }[];
  readonly clears: number[];
  /** Keys the agent pressed (server `dtmf`; only phone-line clients get them), in arrival order. */
  readonly dtmf: { digits: string; atMs: number }[];
  readonly errors: MediaErrorFrame[];
  /** The reason of the server's `end`, once one arrived. */
  readonly endReason: string | null;
  /** Every control message, in arrival order. */
  readonly messages: MediaServerMessage[];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  onClear(listener: (atMs: number) => void): void;
  onAudio(listener: (audio: ReceivedAudio) => void): void;
  onDtmf(listener: (digits: string) => void): void;
  /** Keys the caller pressed (a phone-line client's `dtmf`: 1-32 of 0-9, *, #, A-D). */
  sendDtmf(digits: string): void;
  sendPcm(samples: Int16Array): void;
  /** Sends the samples in `frameMs` frames: paced like a microphone when `realtime`, else at once. */
  streamPcm(samples: Int16Array, options: { realtime: boolean; frameMs?: number }): Promise<void>;
  sendInterrupt(): void;
  /** Hangs up (`end`, then close 1000) and waits for the socket to close. */
  end(reason?: string): Promise<{ code: number; reason: string }>;
  /** Drops the connection without a close frame (what a crash looks like to the server). */
  kill(): void;
  /** All agent audio received so far, joined. */
  receivedPcm(): Int16Array;
  /** Waits until the agent has sent new audio and then been quiet for `quietMs` (its reply played),
   *  the call ended, or `timeoutMs` passed. */
  untilAgentQuiet(quietMs: number, timeoutMs: number): Promise<void>;
}

export interface ConnectLocalMediaOptions {
  /** The media URL with its `?session=`, as the Worker hands it out. */
  url: string;
  token: string;
  sampleRateHz: MediaSampleRate;
  /** Echo marks back (default true). */
  echoMarks?: boolean;
}

export function connectLocalMedia(options: ConnectLocalMediaOptions): LocalMediaClient {
  const ws = new WebSocket(options.url, { perMessageDeflate: false });
  const received: ReceivedAudio[] = [];
  const marks: { name: string; atMs: number }[] = [];
  const clears: number[] = [];
  const dtmf: { digits: string; atMs: number }[] = [];
  const dtmfListeners: ((digits: string) => void)[] = [];
  const errors: MediaErrorFrame[] = [];
  const messages: MediaServerMessage[] = [];
  const clearListeners: ((atMs: number) => void)[] = [];
  const audioListeners: ((audio: ReceivedAudio) => void)[] = [];
  let endReason: string | null = null;

  let settleReady: { resolve: (ready: MediaReady) => void; reject: (err: Error) => void } | null = null;
  const ready = new Promise<MediaReady>((resolve, reject) => (settleReady = { resolve, reject }));
  ready.catch(() => {}); // a caller that never awaits `ready` must not see an unhandled rejection

  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => {
      settleReady?.reject(new Error(`media socket closed (${code}) before ready${errors[0] ? `: ${errors[0].code}` : ""}`));
      resolve({ code, reason: reason.toString("utf8") });
    });
  });
  ws.on("error", (err) => settleReady?.reject(err));
  ws.on("open", () => {
    ws.send(JSON.stringify({ type: "hello", protocolVersion: mediaProtocolVersion, token: options.token, sampleRateHz: options.sampleRateHz, encoding: "pcm16le" }));
  });
  ws.on("message", (data, isBinary) => {
    const atMs = Date.now();
    if (isBinary) {
      const audio = { samples: pcmFromBytes(rawBytes(data)), atMs };
      received.push(audio);
      for (const listener of audioListeners) listener(audio);
      return;
    }
    const message = parseMediaServerMessage(rawText(data));
    if (!message) return;
    messages.push(message);
    switch (message.type) {
      case "ready":
        settleReady?.resolve(message);
        settleReady = null;
        return;
      case "error":
        errors.push(message);
        return;
      case "mark":
        marks.push({ name: message.name, atMs });
        if (options.echoMarks !== false) send({ type: "mark", name: message.name });
        return;
      case "clear":
        clears.push(atMs);
        for (const listener of clearListeners) listener(atMs);
        return;
      case "end":
        endReason = message.reason;
        return;
      case "dtmf":
        dtmf.push({ digits: message.digits, atMs });
        for (const listener of dtmfListeners) listener(message.digits);
        return;
    }
  });

  function send(message: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function sendPcm(samples: Int16Array): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(bytesFromPcm(samples));
  }

  return {
    ready,
    received,
    marks,
    clears,
    dtmf,
    errors,
    get endReason() {
      return endReason;
    },
    messages,
    closed,
    onClear: (listener) => clearListeners.push(listener),
    onAudio: (listener) => audioListeners.push(listener),
    onDtmf: (listener) => dtmfListeners.push(listener),
    sendDtmf: (digits) => send({ type: "dtmf", digits }),
    sendPcm,
    async untilAgentQuiet(quietMs, timeoutMs) {
      const start = Date.now();
      const before = received.length;
      while (Date.now() - start < timeoutMs && !endReason) {
        const last = received.at(-1)?.atMs ?? start;
        if (received.length > before && Date.now() - last > quietMs) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async streamPcm(samples, { realtime, frameMs = 20 }) {
      const frameSamples = Math.round((options.sampleRateHz * frameMs) / 1000);
      const startedAt = Date.now();
      for (let offset = 0, i = 0; offset < samples.length; offset += frameSamples, i++) {
        if (realtime) {
          // Against the start time, so timer lateness does not add up over a long stream.
          const dueAt = startedAt + i * frameMs;
          const wait = dueAt - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        sendPcm(samples.subarray(offset, offset + frameSamples));
      }
    },
    sendInterrupt: () => send({ type: "interrupt" }),
    async end(reason) {
      send(reason === undefined ? { type: "end" } : { type: "end", reason });
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      return closed;
    },
    kill: () => ws.terminate(),
    receivedPcm() {
      const out = new Int16Array(received.reduce((n, audio) => n + audio.samples.length, 0));
      let offset = 0;
      for (const audio of received) {
        out.set(audio.samples, offset);
        offset += audio.samples.length;
      }
      return out;
    },
  };
}
