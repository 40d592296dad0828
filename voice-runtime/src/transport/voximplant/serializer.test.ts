import { describe, expect, it } from "vitest";
import { decodePayload, deserialize, encodePayload, mediaFormatOf, serialize, voximplantFrameMaxChars } from "./serializer.ts";

const ulaw8k = { codec: "ulaw", sampleRateHz: 8000 } as const;

describe("the VoxImplant media stream serializer", () => {
  it("reads the start VoxImplant documents, with customParameters as an object or a JSON string", () => {
    const start = { event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "ULAW", sampleRate: 8000 }, customParameters: { a: "1" } }, tag: "caller" };
    expect(deserialize(JSON.stringify(start))).toEqual({ kind: "start", sequenceNumber: 0, format: ulaw8k, encoding: "ULAW", customParameters: { a: "1" }, tag: "caller" });
    const stringy = { ...start, start: { ...start.start, customParameters: JSON.stringify({ b: "2" }) } };
    expect(deserialize(JSON.stringify(stringy))).toMatchObject({ kind: "start", customParameters: { b: "2" } });
  });

  it("knows every spelling of μ-law and linear PCM, and refuses encodings it cannot play", () => {
    expect(mediaFormatOf("audio/x-mulaw", 8000)).toEqual(ulaw8k);
    expect(mediaFormatOf("PCM16", 16000)).toEqual({ codec: "pcm16", sampleRateHz: 16000 });
    expect(mediaFormatOf("PCM8", undefined)).toEqual({ codec: "pcm16", sampleRateHz: 8000 });
    expect(mediaFormatOf("PCM16_16KHZ", undefined)).toEqual({ codec: "pcm16", sampleRateHz: 16000 });
    expect(mediaFormatOf("ALAW", 8000)).toBeNull();
    expect(mediaFormatOf("OPUS", 48000)).toBeNull();
    expect(mediaFormatOf("PCM16", 48000)).toBeNull();
    expect(mediaFormatOf("ULAW", 16000)).toBeNull();
    const alaw = { event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "ALAW", sampleRate: 8000 } } };
    expect(deserialize(JSON.stringify(alaw))).toBeNull();
  });

  it("round-trips the media and stop frames it writes, 64-bit counters given as strings included", () => {
    const payload = encodePayload(new Int16Array([0, 1000, -1000, 32000]), "pcm16");
    const media = serialize({ kind: "media", sequenceNumber: 3, chunk: 2, timestamp: 160, payload });
    expect(JSON.parse(media)).toEqual({ event: "media", sequenceNumber: 3, media: { chunk: 2, timestamp: 160, payload } });
    expect(deserialize(media)).toEqual({ kind: "media", sequenceNumber: 3, chunk: 2, timestamp: 160, payload, tag: undefined });
    const stringCounters = { event: "media", sequenceNumber: "4", media: { chunk: "3", timestamp: "320", payload } };
    expect(deserialize(JSON.stringify(stringCounters))).toMatchObject({ sequenceNumber: 4, chunk: 3, timestamp: 320 });
    const stop = serialize({ kind: "stop", sequenceNumber: 9, bytesSent: 320, durationMs: 20 });
    expect(JSON.parse(stop)).toEqual({ event: "stop", sequenceNumber: 9, stop: { mediaInfo: { bytesSent: 320, duration: 20 } } });
    expect(deserialize(stop)).toEqual({ kind: "stop", sequenceNumber: 9, tag: undefined });
    const start = serialize({ kind: "start", sequenceNumber: 0, format: { codec: "pcm16", sampleRateHz: 8000 } });
    expect(JSON.parse(start)).toEqual({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "PCM16", sampleRate: 8000 } } });
    expect(deserialize(start)).toMatchObject({ kind: "start", format: { codec: "pcm16", sampleRateHz: 8000 } });
    // The scenario's own spelling is mirrored back when it names the same format.
    const mirrored = serialize({ kind: "start", sequenceNumber: 0, format: { codec: "pcm16", sampleRateHz: 8000 }, encoding: "PCM8" });
    expect(JSON.parse(mirrored).start.mediaFormat).toEqual({ encoding: "PCM8", sampleRate: 8000 });
    const mismatched = serialize({ kind: "start", sequenceNumber: 0, format: { codec: "pcm16", sampleRateHz: 8000 }, encoding: "ULAW" });
    expect(JSON.parse(mismatched).start.mediaFormat).toEqual({ encoding: "PCM16", sampleRate: 8000 });
  });

  it("decodes what it encodes: PCM16 exactly, μ-law within its quantisation", () => {
    const samples = new Int16Array([0, 100, -100, 8000, -8000, 30000]);
    expect(Array.from(decodePayload(encodePayload(samples, "pcm16"), "pcm16")!)).toEqual(Array.from(samples));
    const ulaw = decodePayload(encodePayload(samples, "ulaw"), "ulaw")!;
    for (let i = 0; i < samples.length; i++) expect(Math.abs(ulaw[i]! - samples[i]!)).toBeLessThanOrEqual(Math.max(8, Math.abs(samples[i]!) / 16));
    expect(decodePayload(Buffer.from([1, 2, 3]).toString("base64"), "pcm16")).toBeNull();
  });

  it("reads our scenario's control frames and writes ours", () => {
    expect(deserialize(JSON.stringify({ speaknode: "dtmf", digit: "5" }))).toEqual({ kind: "dtmf", digit: "5" });
    expect(deserialize(JSON.stringify({ speaknode: "hangup" }))).toEqual({ kind: "hangup", reason: undefined });
    expect(serialize({ kind: "clear" })).toBe('{"speaknode":"clear"}');
    expect(JSON.parse(serialize({ kind: "hangup", reason: "agent ended the call" }))).toEqual({ speaknode: "hangup", reason: "agent ended the call" });
    expect(JSON.parse(serialize({ kind: "dtmf", digits: "12w#" }))).toEqual({ speaknode: "dtmf", digits: "12w#" });
    expect(JSON.parse(serialize({ kind: "error", code: "sink_lost", message: "x" }))).toEqual({ speaknode: "error", code: "sink_lost", message: "x" });
    expect(() => serialize({ kind: "dtmf", digits: "12x" })).toThrow(RangeError);
  });

  it("refuses garbage: not JSON, unknown events and controls, missing fields, bad base64, oversize frames", () => {
    const refused = [
      "not json",
      "null",
      "[]",
      JSON.stringify({ event: "dtmf", digit: "1" }),
      JSON.stringify({ event: "media", sequenceNumber: 1, media: { chunk: 1, timestamp: 0 } }),
      JSON.stringify({ event: "media", sequenceNumber: 1, media: { chunk: 1, timestamp: 0, payload: "not base64!" } }),
      JSON.stringify({ event: "media", sequenceNumber: -1, media: { chunk: 1, timestamp: 0, payload: "" } }),
      JSON.stringify({ event: "start", sequenceNumber: 0, start: {} }),
      JSON.stringify({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "ULAW" }, customParameters: "{not json" } }),
      JSON.stringify({ speaknode: "dtmf", digit: "12" }),
      JSON.stringify({ speaknode: "reboot" }),
      JSON.stringify({ event: "media", sequenceNumber: 1, media: { chunk: 1, timestamp: 0, payload: "A".repeat(voximplantFrameMaxChars) } }),
    ];
    for (const raw of refused) expect(deserialize(raw), raw.slice(0, 80)).toBeNull();
  });
});
