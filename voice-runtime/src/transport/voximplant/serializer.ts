// VoxImplant media streams over a WebSocket (`call.sendMediaTo(ws, {encoding})` /
// `ws.sendMediaTo(call)`): the wire format as VoxImplant documents it ("Media Stream format",
// proto `WebSocketFormat`, https://voximplant.com/docs/guides/media-streams/format), plus the
// control frames of our own scenario. Every message is one JSON text frame.
//
// Media, both directions (a stream is start → media* → stop; a new start may follow a stop):
//   {"event":"start","sequenceNumber":0,"start":{"mediaFormat":{"encoding":"ULAW","sampleRate":8000},
//     "customParameters":{…}},"tag":"…"}
//   {"event":"media","sequenceNumber":1,"media":{"chunk":1,"timestamp":0,"payload":"<base64>"},"tag":"…"}
//   {"event":"stop","sequenceNumber":9,"stop":{"mediaInfo":{"bytesSent":21100,"duration":124}},"tag":"…"}
// `chunk` counts packets (+1 each, like an RTP sequence number) and `timestamp` counts samples of
// the chunks before (like an RTP timestamp); both are 64-bit in the proto, so strings are taken too.
// `customParameters` arrives as an object or as a JSON string. The encoding names VoxImplant
// writes in `mediaFormat.encoding` differ between its pages and versions ("ULAW", "PCM16" with
// its sampleRate, "audio/x-mulaw"…), so every spelling of the two we use is read, case-insensitively:
// μ-law 8 kHz (WebSocketAudioEncoding.ULAW) and 16-bit linear PCM (PCM8 = PCM16_8KHZ, PCM16).
// Toward VoxImplant the bridge mirrors the spelling the scenario's own start used (VoxImplant reads
// what it writes); without one it writes "ULAW" or "PCM16" with the rate, as VoxImplant's examples do.
//
// Ours (not media; the scenario's WebSocketEvents.MESSAGE):
//   bridge → scenario  {"speaknode":"clear"} (ws.clearMediaBuffer()), {"speaknode":"hangup","reason"},
//                      {"speaknode":"dtmf","digits"} (call.sendDigits), {"speaknode":"error","code","message"}
//   scenario → bridge  {"speaknode":"dtmf","digit"} (CallEvents.ToneReceived), {"speaknode":"hangup"}
//
// Anything else — not JSON, an unknown event, a missing field, an encoding we cannot play, an
// oversize frame — deserialises to null: the bridge counts it and goes on.
import { z } from "zod";
import { base64FromBytes, bytesFromBase64, dtmfDigitPattern, dtmfSequencePattern, ulawDecode, ulawEncode } from "../twilio/codec.ts";

/** A second of 16 kHz PCM16 in base64 is ~43 KB; nothing legitimate comes near this. */
export const voximplantFrameMaxChars = 96 * 1024;
const payloadMaxChars = Math.ceil((16_000 * 2) / 3) * 4;

export type VoximplantCodec = "ulaw" | "pcm16";
export interface VoximplantMediaFormat {
  codec: VoximplantCodec;
  sampleRateHz: 8000 | 16000;
}

const ulawNames = new Set(["ulaw", "mulaw", "pcmu", "audio/x-mulaw", "audio/pcmu", "g711_ulaw"]);
const pcmNames = new Set(["pcm8", "pcm16", "pcm16_8khz", "pcm16_16khz", "l16", "audio/l16", "audio/x-l16", "linear16"]);

/** The format a `mediaFormat` names, or null when it is one the bridge cannot carry (A-law, Opus…). */
export function mediaFormatOf(encoding: string, sampleRate: number | undefined): VoximplantMediaFormat | null {
  const name = encoding.trim().toLowerCase();
  if (ulawNames.has(name)) return sampleRate === undefined || sampleRate === 8000 ? { codec: "ulaw", sampleRateHz: 8000 } : null;
  if (!pcmNames.has(name)) return null;
  // The name may carry the rate (PCM8, PCM16_16KHZ); the sampleRate field wins when present.
  const named = name === "pcm8" || name === "pcm16_8khz" ? 8000 : name === "pcm16_16khz" ? 16000 : undefined;
  const rate = sampleRate ?? named ?? 8000;
  return rate === 8000 || rate === 16000 ? { codec: "pcm16", sampleRateHz: rate } : null;
}

/** The `mediaFormat` we write for a format. */
export function mediaFormatFields(format: VoximplantMediaFormat): { encoding: string; sampleRate: number } {
  return { encoding: format.codec === "ulaw" ? "ULAW" : "PCM16", sampleRate: format.sampleRateHz };
}

/** Samples of a media payload (PCM16 is little-endian); null when its bytes are not whole samples. */
export function decodePayload(payload: string, codec: VoximplantCodec): Int16Array | null {
  const bytes = bytesFromBase64(payload);
  if (codec === "ulaw") return ulawDecode(bytes);
  if (bytes.byteLength % 2 !== 0) return null;
  const out = new Int16Array(bytes.byteLength / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

export function encodePayload(samples: Int16Array, codec: VoximplantCodec): string {
  if (codec === "ulaw") return base64FromBytes(ulawEncode(samples));
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return base64FromBytes(bytes);
}

// ---- Schemas ------------------------------------------------------------------------------------

const counter = z.union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,20}$/).transform(Number)]);
const tag = z.string().max(256).optional();
const base64 = z.string().max(payloadMaxChars).regex(/^[A-Za-z0-9+/]*={0,2}$/);
const params = z.record(z.string().max(100), z.string().max(4096));
const customParameters = z.union([
  params,
  z.string().max(8192).transform((text, ctx) => {
    try {
      const parsed = params.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: "customParameters is not a JSON object of strings" });
    return z.NEVER;
  }),
]);

const Start = z.object({
  event: z.literal("start"),
  sequenceNumber: counter,
  start: z.object({
    mediaFormat: z.object({ encoding: z.string().min(1).max(64), sampleRate: z.number().int().positive().max(192_000).optional() }),
    customParameters: customParameters.optional(),
  }),
  tag,
});

const Media = z.object({
  event: z.literal("media"),
  sequenceNumber: counter,
  media: z.object({ chunk: counter, timestamp: counter, payload: base64 }),
  tag,
});

const Stop = z.object({
  event: z.literal("stop"),
  sequenceNumber: counter,
  stop: z.object({ mediaInfo: z.record(z.string(), z.unknown()).optional() }).optional(),
  tag,
});

const Control = z.discriminatedUnion("speaknode", [
  z.object({ speaknode: z.literal("dtmf"), digit: z.string().regex(dtmfDigitPattern) }),
  z.object({ speaknode: z.literal("hangup"), reason: z.string().max(500).optional() }),
]);

const Media3 = z.discriminatedUnion("event", [Start, Media, Stop]);

export type VoximplantInbound =
  | {
      kind: "start";
      sequenceNumber: number;
      format: VoximplantMediaFormat;
      /** `mediaFormat.encoding` as the scenario spelled it. */
      encoding: string;
      customParameters: Record<string, string>;
      tag: string | undefined;
    }
  | { kind: "media"; sequenceNumber: number; chunk: number; timestamp: number; payload: string; tag: string | undefined }
  | { kind: "stop"; sequenceNumber: number; tag: string | undefined }
  | { kind: "dtmf"; digit: string }
  | { kind: "hangup"; reason: string | undefined };

export type VoximplantOutbound =
  | { kind: "start"; sequenceNumber: number; format: VoximplantMediaFormat; /** Spelling to mirror. */ encoding?: string; tag?: string }
  | { kind: "media"; sequenceNumber: number; chunk: number; timestamp: number; payload: string; tag?: string }
  | { kind: "stop"; sequenceNumber: number; bytesSent: number; durationMs: number; tag?: string }
  | { kind: "clear" }
  | { kind: "hangup"; reason: string }
  | { kind: "dtmf"; digits: string }
  | { kind: "error"; code: string; message: string };

/** A frame from the scenario, or null when it is not one the bridge knows (or not well-formed). */
export function deserialize(raw: string): VoximplantInbound | null {
  if (raw.length > voximplantFrameMaxChars) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null) return null;
  if ("speaknode" in json) {
    const control = Control.safeParse(json);
    if (!control.success) return null;
    return control.data.speaknode === "dtmf" ? { kind: "dtmf", digit: control.data.digit } : { kind: "hangup", reason: control.data.reason };
  }
  const parsed = Media3.safeParse(json);
  if (!parsed.success) return null;
  const frame = parsed.data;
  switch (frame.event) {
    case "start": {
      const format = mediaFormatOf(frame.start.mediaFormat.encoding, frame.start.mediaFormat.sampleRate);
      if (!format) return null;
      return {
        kind: "start",
        sequenceNumber: frame.sequenceNumber,
        format,
        encoding: frame.start.mediaFormat.encoding,
        customParameters: frame.start.customParameters ?? {},
        tag: frame.tag,
      };
    }
    case "media":
      return { kind: "media", sequenceNumber: frame.sequenceNumber, chunk: frame.media.chunk, timestamp: frame.media.timestamp, payload: frame.media.payload, tag: frame.tag };
    case "stop":
      return { kind: "stop", sequenceNumber: frame.sequenceNumber, tag: frame.tag };
  }
}

/** A frame to the scenario, in the documented field order. */
export function serialize(frame: VoximplantOutbound): string {
  const withTag = (tagValue: string | undefined) => (tagValue === undefined ? {} : { tag: tagValue });
  switch (frame.kind) {
    case "start": {
      const fields = mediaFormatFields(frame.format);
      const named = frame.encoding === undefined ? null : mediaFormatOf(frame.encoding, frame.format.sampleRateHz);
      const mirror = named !== null && named.codec === frame.format.codec && named.sampleRateHz === frame.format.sampleRateHz;
      const mediaFormat = mirror ? { ...fields, encoding: frame.encoding } : fields;
      return JSON.stringify({ event: "start", sequenceNumber: frame.sequenceNumber, start: { mediaFormat }, ...withTag(frame.tag) });
    }
    case "media":
      return JSON.stringify({
        event: "media",
        sequenceNumber: frame.sequenceNumber,
        media: { chunk: frame.chunk, timestamp: frame.timestamp, payload: frame.payload },
        ...withTag(frame.tag),
      });
    case "stop":
      return JSON.stringify({ event: "stop", sequenceNumber: frame.sequenceNumber, stop: { mediaInfo: { bytesSent: frame.bytesSent, duration: frame.durationMs } }, ...withTag(frame.tag) });
    case "clear":
      return JSON.stringify({ speaknode: "clear" });
    case "hangup":
      return JSON.stringify({ speaknode: "hangup", reason: frame.reason });
    case "dtmf":
      if (!dtmfSequencePattern.test(frame.digits)) throw new RangeError("DTMF digits are 0-9, *, #, A-D or w (up to 64)");
      return JSON.stringify({ speaknode: "dtmf", digits: frame.digits });
    case "error":
      return JSON.stringify({ speaknode: "error", code: frame.code, message: frame.message });
  }
}
