import { describe, expect, it } from "vitest";
import { deserialize, serialize, twilioFrameMaxChars } from "./serializer.ts";

// Shapes as in Twilio's "Media Streams - WebSocket Messages" page.
const streamSid = "MZ18ad3ab5a668481ce02b83e7395059f0";
const start = {
  event: "start",
  sequenceNumber: "1",
  start: {
    accountSid: "AC123",
    streamSid,
    callSid: "CA123",
    tracks: ["inbound"],
    customParameters: { sessionId: "ses_1", token: "t.o.k" },
    mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
  },
  streamSid,
};

describe("Twilio frames in", () => {
  it("reads connected, start, media, dtmf, mark and stop", () => {
    expect(deserialize(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }))).toEqual({ event: "connected", protocol: "Call", version: "1.0.0" });
    expect(deserialize(JSON.stringify(start))).toEqual(start);
    const media = { event: "media", sequenceNumber: "3", media: { track: "inbound", chunk: "1", timestamp: "5", payload: "no+JhoaJjpzSHxAKBgYJDhtEopGKh4aIjZm7JhILBwYIDBc3oZOLiIaIjJaqLxUNCAYHChEdTKmRi4eGh4uSoTgbEAkHBwkOFiZnnY+KhoaJjpm/KhQLBwYIDBY0rJSMh4eIjJWlQBsOCQYHCg8bK7qYjomGh4qRnFgiEwsHBgkNFB5TpJCKh4aIjZe1LhcOCAYHCxEbO6STi4iGh4uTn1QfEgoHBgkOFyhWnI+KhoaJjpqyMBYNCAYHChAaO6STi4iGhw==" }, streamSid };
    expect(deserialize(JSON.stringify(media))).toEqual(media);
    const dtmf = { event: "dtmf", streamSid, sequenceNumber: "5", dtmf: { track: "inbound_track", digit: "1" } };
    expect(deserialize(JSON.stringify(dtmf))).toEqual(dtmf);
    const mark = { event: "mark", sequenceNumber: "4", streamSid, mark: { name: "my label" } };
    expect(deserialize(JSON.stringify(mark))).toEqual(mark);
    const stop = { event: "stop", sequenceNumber: "5", streamSid, stop: { accountSid: "AC123", callSid: "CA123" } };
    expect(deserialize(JSON.stringify(stop))).toEqual(stop);
  });

  it("reads numeric counters as strings and ignores fields it does not know", () => {
    const media = deserialize(JSON.stringify({ event: "media", sequenceNumber: 3, streamSid, media: { track: "inbound", chunk: 1, timestamp: 5, payload: "", extra: true }, more: 1 }));
    expect(media).toEqual({ event: "media", sequenceNumber: "3", streamSid, media: { track: "inbound", chunk: "1", timestamp: "5", payload: "" } });
  });

  it("treats a start without custom parameters as having none", () => {
    const { customParameters: _, ...rest } = start.start;
    const parsed = deserialize(JSON.stringify({ ...start, start: rest }));
    expect(parsed?.event === "start" && parsed.start.customParameters).toEqual({});
  });

  it("answers null for what is not a Twilio message", () => {
    for (const raw of [
      "not json",
      "null",
      "[]",
      JSON.stringify({ event: "hello" }),
      JSON.stringify({ event: "media", sequenceNumber: "3", streamSid, media: { track: "inbound", chunk: "1", timestamp: "5" } }),
      JSON.stringify({ event: "media", sequenceNumber: "3", streamSid, media: { track: "inbound", chunk: "1", timestamp: "5", payload: "not base64!" } }),
      JSON.stringify({ event: "media", sequenceNumber: "3", streamSid, media: { track: "inbound", chunk: "1", timestamp: "5", payload: "A".repeat(20_000) } }),
      JSON.stringify({ event: "dtmf", streamSid, sequenceNumber: "5", dtmf: { track: "inbound_track", digit: "12" } }),
      JSON.stringify({ ...start, start: { ...start.start, callSid: "" } }),
      JSON.stringify({ event: "stop", sequenceNumber: "5", streamSid }),
      JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0", pad: "x".repeat(twilioFrameMaxChars) }),
    ]) {
      expect(deserialize(raw)).toBeNull();
    }
  });
});

describe("Twilio frames out", () => {
  it("writes media, mark and clear exactly as Twilio reads them", () => {
    expect(serialize({ event: "media", streamSid, media: { payload: "/38A" } })).toBe(`{"event":"media","streamSid":"${streamSid}","media":{"payload":"/38A"}}`);
    expect(serialize({ event: "mark", streamSid, mark: { name: "seg-1" } })).toBe(`{"event":"mark","streamSid":"${streamSid}","mark":{"name":"seg-1"}}`);
    expect(serialize({ event: "clear", streamSid })).toBe(`{"event":"clear","streamSid":"${streamSid}"}`);
  });
});
