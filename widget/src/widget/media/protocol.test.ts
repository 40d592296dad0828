import { describe, expect, it } from "vitest";
import { encodeClientMessage, helloMessage, mediaProtocolVersion, parseServerMessage } from "./protocol.ts";

describe("local media protocol frames", () => {
  it("encodes hello as the server expects it", () => {
    expect(JSON.parse(encodeClientMessage(helloMessage("tok", 16_000)))).toEqual({ type: "hello", protocolVersion: 1, token: "tok", sampleRateHz: 16_000, encoding: "pcm16le" });
    expect(mediaProtocolVersion).toBe(1);
  });

  it("refuses a rate the protocol does not have", () => {
    expect(() => helloMessage("tok", 44_100)).toThrow(RangeError);
  });

  it("encodes mark, interrupt and end", () => {
    expect(encodeClientMessage({ type: "mark", name: "seg-1" })).toBe('{"type":"mark","name":"seg-1"}');
    expect(encodeClientMessage({ type: "interrupt" })).toBe('{"type":"interrupt"}');
    expect(encodeClientMessage({ type: "end" })).toBe('{"type":"end"}');
  });

  it("parses every server message", () => {
    expect(parseServerMessage('{"type":"ready","protocolVersion":1,"sessionId":"ses_1","sampleRateHz":16000,"frameMs":20}')).toEqual({
      type: "ready",
      protocolVersion: 1,
      sessionId: "ses_1",
      sampleRateHz: 16000,
      frameMs: 20,
    });
    expect(parseServerMessage('{"type":"clear"}')).toEqual({ type: "clear" });
    expect(parseServerMessage('{"type":"mark","name":"seg-2"}')).toEqual({ type: "mark", name: "seg-2" });
    expect(parseServerMessage('{"type":"end","reason":"agent hung up"}')).toEqual({ type: "end", reason: "agent hung up" });
    expect(parseServerMessage('{"type":"error","code":"unauthorized","message":"bad token"}')).toEqual({ type: "error", code: "unauthorized", message: "bad token" });
  });

  it("rejects what it does not understand", () => {
    for (const text of ["not json", "[]", "null", '{"type":"nope"}', '{"type":"ready","protocolVersion":2,"sessionId":"s","sampleRateHz":16000,"frameMs":20}', '{"type":"mark"}', '{"type":"error","code":"weird","message":""}']) {
      expect(parseServerMessage(text)).toBeNull();
    }
  });
});
