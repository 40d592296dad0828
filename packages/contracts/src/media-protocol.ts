// The local media channel: one call's audio over one WebSocket to the voice runtime's embedded
// media endpoint (the `local` media driver). Versioned: `hello` and `ready` carry
// `protocolVersion`, and a breaking change bumps it.
//
// Binary frames are mono PCM16 little-endian audio at the rate the client declared in `hello`,
// in both directions; text frames are the JSON control messages below. The client speaks first:
// `hello` within the server's hello timeout, and no audio before `ready`.
import { z } from "zod";
import { text } from "./text.ts";
import { jsonText } from "./json-text.ts";
import { mediaErrorCodes } from "./media-error-codes.ts";

export const mediaProtocolVersion = 1;

export const MediaSampleRate = z.union([z.literal(8000), z.literal(16000), z.literal(24000), z.literal(48000)]);
export type MediaSampleRate = z.infer<typeof MediaSampleRate>;

/** Control messages are tiny; a bigger text frame is refused before it is parsed. */
export const mediaTextFrameMaxBytes = 4096;
/** A binary frame carries at most this much audio (the byte limit depends on the rate). */
export const mediaBinaryFrameMaxMs = 1000;
export function mediaBinaryFrameMaxBytes(sampleRateHz: number): number {
  return (sampleRateHz * 2 * mediaBinaryFrameMaxMs) / 1000;
}

/** WebSocket close codes the server uses (4xxx mirror the HTTP status they resemble). */
export const mediaCloseCodes = {
  normal: 1000,
  goingAway: 1001,
  internal: 1011,
  badInput: 4400,
  unauthorized: 4401,
  busy: 4409,
} as const;

const markName = text().min(1).max(100);
/** Keys of the telephone keypad (RFC 4733's 0-9, *, #, A-D), up to 32 in one message. */
export const mediaDtmfMaxDigits = 32;
const dtmfDigits = text()
  .min(1)
  .max(mediaDtmfMaxDigits)
  .regex(/^[0-9*#A-D]+$/, "DTMF digits are 0-9, *, #, A-D");
const reason = text().trim().min(1).max(500);

// ---- Client → server ---------------------------------------------------------------------------

export const MediaHello = z.strictObject({
  type: z.literal("hello"),
  // Any integer, so that a client of another version gets `unsupported_version`, not `bad_frame`.
  protocolVersion: z.number().int(),
  /** The media token the Worker handed out for this session. */
  token: text().min(1).max(4000),
  sampleRateHz: MediaSampleRate,
  encoding: z.literal("pcm16le"),
});
export type MediaHello = z.infer<typeof MediaHello>;

/** Ask the agent to stop talking now (a push-to-interrupt button, say). */
export const MediaInterrupt = z.strictObject({ type: z.literal("interrupt") });
/** Echo of a server `mark`, sent once the audio before it has played. */
export const MediaClientMark = z.strictObject({ type: z.literal("mark"), name: markName });
/** The caller hangs up. */
export const MediaClientEnd = z.strictObject({ type: z.literal("end"), reason: reason.optional() });

/**
 * Keys the caller pressed on a phone keypad, in order. Only a phone-line client (the VoxImplant
 * bridge, whose media token has the role "voximplant") may send them; others get `bad_frame`.
 */
export const MediaClientDtmf = z.strictObject({ type: z.literal("dtmf"), digits: dtmfDigits });

export const MediaClientMessage = z.discriminatedUnion("type", [MediaHello, MediaInterrupt, MediaClientMark, MediaClientEnd, MediaClientDtmf]);
export type MediaClientMessage = z.infer<typeof MediaClientMessage>;

// ---- Server → client ---------------------------------------------------------------------------

export const MediaReady = z.object({
  type: z.literal("ready"),
  protocolVersion: z.literal(mediaProtocolVersion),
  sessionId: text(),
  sampleRateHz: MediaSampleRate,
  /** The server sends its audio in frames of this length. */
  frameMs: z.number().int().min(1),
});
export type MediaReady = z.infer<typeof MediaReady>;

/** Drop any buffered agent audio now: the caller barged in. */
export const MediaClear = z.object({ type: z.literal("clear") });
/** Sent right after the last frame of each agent segment; the client echoes it once played. */
export const MediaServerMark = z.object({ type: z.literal("mark"), name: markName });
/** The call is over (the agent hung up, or the server is going away); the socket closes next. */
export const MediaServerEnd = z.object({ type: z.literal("end"), reason });

export const MediaErrorCode = z.enum(mediaErrorCodes);
export type MediaErrorCode = z.infer<typeof MediaErrorCode>;

export const MediaErrorFrame = z.object({ type: z.literal("error"), code: MediaErrorCode, message: text() });
export type MediaErrorFrame = z.infer<typeof MediaErrorFrame>;

/** Keys the agent presses, for a phone-line client to play to the far end as tones (only phone lines get it). */
export const MediaServerDtmf = z.object({ type: z.literal("dtmf"), digits: dtmfDigits });

export const MediaServerMessage = z.discriminatedUnion("type", [MediaReady, MediaClear, MediaServerMark, MediaServerEnd, MediaErrorFrame, MediaServerDtmf]);
export type MediaServerMessage = z.infer<typeof MediaServerMessage>;

// ---- Parsing -----------------------------------------------------------------------------------

const clientFrame = jsonText.pipe(MediaClientMessage);
const serverFrame = jsonText.pipe(MediaServerMessage);

// A UTF-8 text takes between 1 and 3 bytes per UTF-16 code unit, so only a borderline one is encoded.
function exceedsTextLimit(text: string): boolean {
  if (text.length > mediaTextFrameMaxBytes) return true;
  if (text.length * 3 <= mediaTextFrameMaxBytes) return false;
  return new TextEncoder().encode(text).byteLength > mediaTextFrameMaxBytes;
}

export type MediaParseResult<T> = { ok: true; message: T } | { ok: false; error: MediaErrorFrame };

/** A client text frame, or the error frame that answers it. */
export function parseMediaClientMessage(text: string): MediaParseResult<MediaClientMessage> {
  if (exceedsTextLimit(text)) {
    return { ok: false, error: { type: "error", code: "too_large", message: `text frames are limited to ${mediaTextFrameMaxBytes} bytes` } };
  }
  const parsed = clientFrame.safeParse(text);
  if (parsed.success) return { ok: true, message: parsed.data };
  const first = parsed.error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join(".")}: ` : "";
  return { ok: false, error: { type: "error", code: "bad_frame", message: `${where}${first?.message ?? "invalid message"}` } };
}

/** A server text frame, or null when it is not one (for clients). */
export function parseMediaServerMessage(text: string): MediaServerMessage | null {
  const parsed = serverFrame.safeParse(text);
  return parsed.success ? parsed.data : null;
}
