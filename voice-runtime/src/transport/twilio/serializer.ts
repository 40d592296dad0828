// Twilio Media Streams, bidirectional (<Connect><Stream>): the wire format, as Twilio documents
// it (https://www.twilio.com/docs/voice/media-streams/websocket-messages). Every message is one
// JSON text frame.
//
// From Twilio, in this order:
//   {"event":"connected","protocol":"Call","version":"1.0.0"}
//   {"event":"start","sequenceNumber":"1","streamSid":"MZ…","start":{"accountSid":"AC…","streamSid":"MZ…",
//     "callSid":"CA…","tracks":["inbound"],"customParameters":{"sessionId":"ses_…","token":"…"},
//     "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}
//   {"event":"media","sequenceNumber":"2","streamSid":"MZ…","media":{"track":"inbound","chunk":"1",
//     "timestamp":"5","payload":"<base64 of raw μ-law 8 kHz mono, 20 ms = 160 bytes>"}}
//   {"event":"dtmf","streamSid":"MZ…","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}
//   {"event":"mark","sequenceNumber":"4","streamSid":"MZ…","mark":{"name":"seg-1"}}   (a mark we sent has played, or was cleared)
//   {"event":"stop","sequenceNumber":"9","streamSid":"MZ…","stop":{"accountSid":"AC…","callSid":"CA…"}}
// To Twilio:
//   {"event":"media","streamSid":"MZ…","media":{"payload":"<base64 μ-law 8 kHz>"}}   (queued, played in order)
//   {"event":"mark","streamSid":"MZ…","mark":{"name":"seg-1"}}   (echoed back once the audio before it played)
//   {"event":"clear","streamSid":"MZ…"}   (drops the queued audio; pending marks are echoed)
//
// Sequence numbers, chunks and timestamps are strings in Twilio's messages; numbers are accepted
// too and read as strings. Fields Twilio may add later are ignored. Anything else — not JSON, an
// unknown event, a missing field, an oversize frame — deserialises to null: the channel decides
// what a stray frame means.
import { z } from "zod";

/** No Twilio message comes near this; a 1 s media payload is ~11 KB. */
export const twilioFrameMaxChars = 64 * 1024;
/** One media payload: at most a second of μ-law (8000 bytes) in base64. */
const payloadMaxChars = Math.ceil(8000 / 3) * 4;

const counter = z.union([z.string().max(20), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)]).transform(String);
const sid = z.string().min(1).max(64);
const label = z.string().max(256);
const base64 = z.string().max(payloadMaxChars).regex(/^[A-Za-z0-9+/]*={0,2}$/);

const Connected = z.object({ event: z.literal("connected"), protocol: label, version: label });

const Start = z.object({
  event: z.literal("start"),
  sequenceNumber: counter,
  streamSid: sid,
  start: z.object({
    accountSid: sid,
    streamSid: sid,
    callSid: sid,
    tracks: z.array(label).max(4),
    customParameters: z.record(z.string().max(100), z.string().max(4096)).default({}),
    mediaFormat: z.object({ encoding: label, sampleRate: z.number().int().min(1).max(192_000), channels: z.number().int().min(1).max(8) }),
  }),
});

const Media = z.object({
  event: z.literal("media"),
  sequenceNumber: counter,
  streamSid: sid,
  media: z.object({ track: label, chunk: counter, timestamp: counter, payload: base64 }),
});

const Dtmf = z.object({
  event: z.literal("dtmf"),
  sequenceNumber: counter,
  streamSid: sid,
  dtmf: z.object({ track: label, digit: z.string().regex(/^[0-9*#A-D]$/) }),
});

const Mark = z.object({ event: z.literal("mark"), sequenceNumber: counter, streamSid: sid, mark: z.object({ name: label }) });

const Stop = z.object({
  event: z.literal("stop"),
  sequenceNumber: counter,
  streamSid: sid,
  stop: z.object({ accountSid: sid, callSid: sid }),
});

const TwilioInbound = z.discriminatedUnion("event", [Connected, Start, Media, Dtmf, Mark, Stop]);

export type TwilioInbound = z.infer<typeof TwilioInbound>;
export type TwilioStart = z.infer<typeof Start>;

export type TwilioOutbound =
  | { event: "media"; streamSid: string; media: { payload: string } }
  | { event: "mark"; streamSid: string; mark: { name: string } }
  | { event: "clear"; streamSid: string };

/** A message from Twilio, or null when it is not one this transport knows (or not well-formed). */
export function deserialize(raw: string): TwilioInbound | null {
  if (raw.length > twilioFrameMaxChars) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = TwilioInbound.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** A message to Twilio, in the documented field order. */
export function serialize(frame: TwilioOutbound): string {
  switch (frame.event) {
    case "media":
      return JSON.stringify({ event: "media", streamSid: frame.streamSid, media: { payload: frame.media.payload } });
    case "mark":
      return JSON.stringify({ event: "mark", streamSid: frame.streamSid, mark: { name: frame.mark.name } });
    case "clear":
      return JSON.stringify({ event: "clear", streamSid: frame.streamSid });
  }
}
