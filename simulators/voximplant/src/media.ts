// VoxImplant's WebSocket media stream format (https://voximplant.com/docs/guides/media-streams/format,
// proto `WebSocketFormat`): JSON text frames
//   {"event":"start","sequenceNumber":0,"start":{"mediaFormat":{"encoding":"PCM8","sampleRate":8000},"customParameters":{…}},"tag":"…"}
//   {"event":"media","sequenceNumber":1,"media":{"chunk":1,"timestamp":0,"payload":"<base64>"},"tag":"…"}
//   {"event":"stop","sequenceNumber":N,"stop":{"mediaInfo":{"duration":1.2,"size":19200}},"tag":"…"}
// sequenceNumber counts every message of a stream from 0; chunk counts media messages from 1;
// timestamp is the chunk's place in the stream in ms. Encodings are the WebSocketAudioEncoding
// constants (https://voximplant.com/docs/references/voxengine/websocketaudioencoding): PCM8 /
// PCM16_8KHZ (16-bit little-endian linear PCM, 8 kHz), PCM16 / PCM16_16KHZ (16 kHz), ULAW (G.711 μ-law,
// 8 kHz); the default of sendMediaTo is PCM8. ALAW and OPUS are not simulated.
import { mulawDecode, mulawEncode, resample, sampleRate } from "../../twilio/src/audio.ts";

export const encodings = ["PCM8", "PCM16", "PCM16_8KHZ", "PCM16_16KHZ", "ULAW"] as const;
export type Encoding = (typeof encodings)[number];

export function isEncoding(value: unknown): value is Encoding {
  return typeof value === "string" && (encodings as readonly string[]).includes(value);
}

export function rateOf(encoding: Encoding): number {
  return encoding === "PCM16" || encoding === "PCM16_16KHZ" ? 16000 : 8000;
}

/** 8 kHz PCM of the line → the encoding's bytes. */
export function encodeAudio(pcm8k: Int16Array, encoding: Encoding): Buffer {
  if (encoding === "ULAW") return Buffer.from(mulawEncode(pcm8k));
  const pcm = resample(pcm8k, sampleRate, rateOf(encoding));
  const out = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i] ?? 0, i * 2);
  return out;
}

/** The encoding's bytes → 8 kHz PCM of the line. */
export function decodeAudio(bytes: Buffer, encoding: Encoding): Int16Array {
  if (encoding === "ULAW") return mulawDecode(new Uint8Array(bytes));
  const pcm = new Int16Array(Math.floor(bytes.length / 2));
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
  return resample(pcm, rateOf(encoding), sampleRate);
}

/** One outgoing media stream (call.sendMediaTo(ws)): numbers its messages as VoxImplant does. */
export class OutgoingStream {
  readonly encoding: Encoding;
  readonly tag: string | undefined;
  readonly customParameters: Record<string, string> | undefined;
  #sequence = 0;
  #chunk = 0;
  #bytes = 0;

  constructor(encoding: Encoding, tag: string | undefined, customParameters: Record<string, string> | undefined) {
    this.encoding = encoding;
    this.tag = tag;
    this.customParameters = customParameters;
  }

  #withTag(message: Record<string, unknown>): string {
    return JSON.stringify(this.tag === undefined ? message : { ...message, tag: this.tag });
  }

  start(): string {
    const start: Record<string, unknown> = { mediaFormat: { encoding: this.encoding, sampleRate: rateOf(this.encoding) } };
    if (this.customParameters) start.customParameters = this.customParameters;
    return this.#withTag({ event: "start", sequenceNumber: this.#sequence++, start });
  }

  /** 20 ms of the line's audio. */
  media(pcm8k: Int16Array): string {
    const payload = encodeAudio(pcm8k, this.encoding);
    this.#bytes += payload.length;
    const chunk = ++this.#chunk;
    return this.#withTag({ event: "media", sequenceNumber: this.#sequence++, media: { chunk, timestamp: (chunk - 1) * 20, payload: payload.toString("base64") } });
  }

  stop(): string {
    return this.#withTag({ event: "stop", sequenceNumber: this.#sequence++, stop: { mediaInfo: { duration: (this.#chunk * 20) / 1000, size: this.#bytes } } });
  }
}

export type IncomingFrame =
  | { kind: "start"; encoding: Encoding; tag: string | undefined; customParameters: Record<string, string> | undefined }
  | { kind: "media"; payload: Buffer; tag: string | undefined }
  | { kind: "stop"; tag: string | undefined }
  | { kind: "invalid"; reason: string }
  | { kind: "text" };

/** Classifies a text frame the WebSocket server sent: a media-stream event, or a plain message. */
export function parseIncoming(text: string): IncomingFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "text" };
  }
  if (typeof value !== "object" || value === null) return { kind: "text" };
  const m = value as Record<string, unknown>;
  const tag = typeof m.tag === "string" ? m.tag : undefined;
  if (m.event === "start") {
    const start = m.start as Record<string, unknown> | undefined;
    const format = start?.mediaFormat as Record<string, unknown> | undefined;
    const encoding = format?.encoding ?? "PCM8";
    if (!isEncoding(encoding)) return { kind: "invalid", reason: `unsupported encoding ${String(encoding).slice(0, 20)}` };
    const cp = start?.customParameters;
    return { kind: "start", encoding, tag, customParameters: typeof cp === "object" && cp !== null ? (cp as Record<string, string>) : undefined };
  }
  if (m.event === "media") {
    const media = m.media as Record<string, unknown> | undefined;
    if (typeof media?.payload !== "string") return { kind: "invalid", reason: "media without payload" };
    return { kind: "media", payload: Buffer.from(media.payload, "base64"), tag };
  }
  if (m.event === "stop") return { kind: "stop", tag };
  return { kind: "text" };
}
