// Test helpers for the local media transport (used by its tests and the bench).
import { WebSocket } from "ws";
import { AudioFrame } from "@livekit/rtc-node";
import { parseMediaServerMessage, type MediaServerMessage } from "@speaknode/contracts";
import { signSessionToken } from "@speaknode/tokens";
import type { BackgroundSource } from "../../audio/types.ts";
import type { MediaSink } from "./audio-output.ts";
import { rawBytes, rawText } from "./channel.ts";

export const testTokenSecret = "test-runtime-token-secret-of-32-chars!";

export function mediaToken(sessionId: string, options: { secret?: string; scope?: "media" | "events"; role?: string; callId?: string } = {}): Promise<string> {
  return signSessionToken(options.secret ?? testTokenSecret, {
    sessionId,
    agentId: "agt_test",
    scope: options.scope ?? "media",
    ttlS: 60,
    role: options.role ?? "participant",
    ...(options.callId ? { callId: options.callId } : {}),
  });
}

/** `ms` of a constant tone (a flat level is easy to recognise once mixed). */
export function level(value: number, ms: number, sampleRateHz: number): Int16Array {
  return new Int16Array(Math.round((sampleRateHz * ms) / 1000)).fill(value);
}

/** `ms` of audio as the session would capture it: frames of `frameMs`. */
export function framesOf(samples: Int16Array, sampleRateHz: number, frameMs = 10): AudioFrame[] {
  const size = Math.round((sampleRateHz * frameMs) / 1000);
  const frames: AudioFrame[] = [];
  for (let offset = 0; offset < samples.length; offset += size) {
    const chunk = samples.slice(offset, offset + size);
    frames.push(new AudioFrame(chunk, sampleRateHz, 1, chunk.length));
  }
  return frames;
}

export function constantBackground(value: number, sampleRateHz: number): BackgroundSource {
  return { sampleRateHz, read: (count) => new Int16Array(count).fill(value) };
}

/** A sink that records what the sender did, with times. */
export function recordingSink(): MediaSink & { audio: { samples: Int16Array; atMs: number }[]; controls: { message: MediaServerMessage; atMs: number }[] } {
  const audio: { samples: Int16Array; atMs: number }[] = [];
  const controls: { message: MediaServerMessage; atMs: number }[] = [];
  return {
    audio,
    controls,
    sendAudio: (samples) => audio.push({ samples: samples.slice(), atMs: Date.now() }),
    sendControl: (message) => controls.push({ message, atMs: Date.now() }),
  };
}

/** A bare socket for protocol-level tests (the client would not send what these send). */
export function rawSocket(url: string): {
  ws: WebSocket;
  opened: Promise<void>;
  messages: MediaServerMessage[];
  next: (type: MediaServerMessage["type"]) => Promise<MediaServerMessage>;
  closed: Promise<{ code: number }>;
  binaryFrames: () => number;
} {
  const ws = new WebSocket(url);
  const messages: MediaServerMessage[] = [];
  const waiters: { type: string; resolve: (message: MediaServerMessage) => void }[] = [];
  let binary = 0;
  ws.on("error", () => {}); // refusals show up as close codes
  ws.on("message", (data, isBinary) => {
    if (isBinary) {
      binary += rawBytes(data).byteLength > 0 ? 1 : 0;
      return;
    }
    const message = parseMediaServerMessage(rawText(data));
    if (!message) return;
    messages.push(message);
    for (const waiter of waiters.filter((w) => w.type === message.type)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  return {
    ws,
    opened: new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    }),
    messages,
    next: (type) => {
      const seen = messages.find((m) => m.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
    closed: new Promise((resolve) => ws.on("close", (code) => resolve({ code }))),
    binaryFrames: () => binary,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
