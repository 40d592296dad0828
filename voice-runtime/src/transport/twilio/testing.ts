// Twilio's side of a Media Stream, for the transport's tests and the phone bench: it opens the
// socket, sends `connected` and `start` with the custom parameters, streams the caller's audio as
// μ-law 20 ms `media` messages, and plays what it receives on a clock of its own — echoing each
// mark once the audio queued before it has played, and every pending mark at once on `clear`, as
// Twilio does.
import { WebSocket } from "ws";
import { signSessionToken } from "@speaknode/tokens";
import { rawText } from "../local/channel.ts";
import { base64FromBytes, bytesFromBase64, ulawDecode, ulawEncode } from "./codec.ts";
import type { TwilioOutbound } from "./serializer.ts";

export const testTokenSecret = "test-runtime-token-secret-of-32-chars!";

/** A media token as the Worker writes it into the TwiML (scope media, role phone). */
export function phoneMediaToken(sessionId: string, options: { callId?: string; role?: string; ttlS?: number; secret?: string } = {}): Promise<string> {
  return signSessionToken(options.secret ?? testTokenSecret, {
    sessionId,
    agentId: "agt_test",
    scope: "media",
    ttlS: options.ttlS ?? 120,
    role: options.role ?? "phone",
    ...(options.callId ? { callId: options.callId } : {}),
  });
}

export interface ReceivedMedia {
  /** μ-law bytes of one `media` message. */
  bytes: Uint8Array;
  streamSid: string;
  /** Date.now() on arrival. */
  atMs: number;
}

export interface TwilioStreamClient {
  readonly ws: WebSocket;
  readonly streamSid: string;
  readonly callSid: string;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The agent's audio, in arrival order. */
  readonly received: ReceivedMedia[];
  /** Marks the runtime sent, with when they arrived; `echoed` when this side sent them back. */
  readonly marks: { name: string; atMs: number; echoedAtMs?: number }[];
  readonly clears: number[];
  /** Every message the runtime sent, parsed. */
  readonly messages: TwilioOutbound[];
  /** Sends `connected` (unless `skipConnected`) and `start` with the custom parameters. */
  start(customParameters: Record<string, string>, options?: { skipConnected?: boolean }): void;
  sendRaw(text: string): void;
  /** μ-law 8 kHz samples as one `media` message. */
  sendPcm(samples8k: Int16Array): void;
  /** Sends 8 kHz audio in 20 ms messages, paced like a phone line when `realtime`. */
  streamPcm(samples8k: Int16Array, options: { realtime: boolean }): Promise<void>;
  sendDtmf(digit: string): void;
  /** Twilio's `stop` (the caller hung up), then its close. */
  stop(): Promise<{ code: number; reason: string }>;
  /** The agent's audio received so far, decoded to 8 kHz PCM. */
  receivedPcm(): Int16Array;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function connectTwilioStream(url: string, ids: { callSid?: string; streamSid?: string; accountSid?: string } = {}): TwilioStreamClient {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const streamSid = ids.streamSid ?? `MZ${crypto.randomUUID().replaceAll("-", "")}`;
  const callSid = ids.callSid ?? `CA${crypto.randomUUID().replaceAll("-", "")}`;
  const accountSid = ids.accountSid ?? "AC00000000000000000000000000000000";
  const received: ReceivedMedia[] = [];
  const marks: { name: string; atMs: number; echoedAtMs?: number }[] = [];
  const clears: number[] = [];
  const messages: TwilioOutbound[] = [];
  let sequence = 0;
  let chunk = 0;
  const startedAt = Date.now();
  /** When the audio Twilio has queued so far will have played. */
  let playedUntil = 0;
  const pendingMarks = new Set<{ name: string; timer: NodeJS.Timeout; entry: { echoedAtMs?: number } }>();

  const send = (message: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const seq = () => String(++sequence);
  const echo = (name: string, entry: { echoedAtMs?: number }) => {
    entry.echoedAtMs = Date.now();
    send({ event: "mark", sequenceNumber: seq(), streamSid, mark: { name } });
  };

  ws.on("error", () => {}); // refusals show up as close codes
  ws.on("message", (data) => {
    const atMs = Date.now();
    const message = JSON.parse(rawText(data)) as TwilioOutbound;
    messages.push(message);
    if (message.event === "media") {
      const bytes = bytesFromBase64(message.media.payload);
      received.push({ bytes, streamSid: message.streamSid, atMs });
      playedUntil = Math.max(atMs, playedUntil) + (bytes.length / 8000) * 1000;
    } else if (message.event === "mark") {
      const entry: { name: string; atMs: number; echoedAtMs?: number } = { name: message.mark.name, atMs };
      marks.push(entry);
      const pending = { name: message.mark.name, entry, timer: setTimeout(() => (pendingMarks.delete(pending), echo(pending.name, entry)), Math.max(0, playedUntil - atMs)) };
      pendingMarks.add(pending);
    } else if (message.event === "clear") {
      clears.push(atMs);
      playedUntil = atMs;
      for (const pending of [...pendingMarks]) {
        clearTimeout(pending.timer);
        pendingMarks.delete(pending);
        echo(pending.name, pending.entry);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => {
      for (const pending of pendingMarks) clearTimeout(pending.timer);
      resolve({ code, reason: reason.toString("utf8") });
    }),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  opened.catch(() => {});

  const client: TwilioStreamClient = {
    ws,
    streamSid,
    callSid,
    opened,
    closed,
    received,
    marks,
    clears,
    messages,
    start(customParameters, options = {}) {
      if (!options.skipConnected) send({ event: "connected", protocol: "Call", version: "1.0.0" });
      send({
        event: "start",
        sequenceNumber: seq(),
        start: { accountSid, streamSid, callSid, tracks: ["inbound"], customParameters, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
        streamSid,
      });
    },
    sendRaw: (text) => ws.send(text),
    sendPcm(samples8k) {
      chunk++;
      const payload = base64FromBytes(ulawEncode(samples8k));
      send({ event: "media", sequenceNumber: seq(), media: { track: "inbound", chunk: String(chunk), timestamp: String(Date.now() - startedAt), payload }, streamSid });
    },
    async streamPcm(samples8k, options) {
      const t0 = Date.now();
      for (let i = 0, at = 0; at < samples8k.length; i++, at += 160) {
        const frame = new Int16Array(160);
        frame.set(samples8k.subarray(at, Math.min(at + 160, samples8k.length)));
        client.sendPcm(frame);
        if (options.realtime) await sleep(Math.max(0, t0 + (i + 1) * 20 - Date.now()));
      }
    },
    sendDtmf(digit) {
      send({ event: "dtmf", streamSid, sequenceNumber: seq(), dtmf: { track: "inbound_track", digit } });
    },
    async stop() {
      send({ event: "stop", sequenceNumber: seq(), streamSid, stop: { accountSid, callSid } });
      if (ws.readyState === ws.OPEN) ws.close(1000);
      return closed;
    },
    receivedPcm() {
      const total = received.reduce((n, r) => n + r.bytes.length, 0);
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const r of received) {
        bytes.set(r.bytes, at);
        at += r.bytes.length;
      }
      return ulawDecode(bytes);
    },
  };
  return client;
}
