import { describe, expect, it } from "vitest";
import { mediaBinaryFrameMaxBytes, parseMediaClientMessage, parseMediaServerMessage } from "@speaknode/contracts";

const hello = { type: "hello", protocolVersion: 1, token: "t", sampleRateHz: 16000, encoding: "pcm16le" };

describe("media protocol", () => {
  it("parses the client's messages", () => {
    expect(parseMediaClientMessage(JSON.stringify(hello))).toEqual({ ok: true, message: hello });
    expect(parseMediaClientMessage('{"type":"interrupt"}')).toEqual({ ok: true, message: { type: "interrupt" } });
    expect(parseMediaClientMessage('{"type":"end"}')).toEqual({ ok: true, message: { type: "end" } });
    expect(parseMediaClientMessage('{"type":"mark","name":"seg-1"}')).toEqual({ ok: true, message: { type: "mark", name: "seg-1" } });
  });

  it("lets another protocol version through, so the server can answer unsupported_version", () => {
    expect(parseMediaClientMessage(JSON.stringify({ ...hello, protocolVersion: 2 })).ok).toBe(true);
  });

  it("answers what it cannot parse with a typed error frame", () => {
    const codeOf = (text: string) => {
      const parsed = parseMediaClientMessage(text);
      return parsed.ok ? null : parsed.error.code;
    };
    expect(codeOf("nope")).toBe("bad_frame");
    expect(codeOf('{"type":"shout"}')).toBe("bad_frame");
    expect(codeOf(JSON.stringify({ ...hello, sampleRateHz: 11025 }))).toBe("bad_frame");
    expect(codeOf(JSON.stringify({ ...hello, encoding: "opus" }))).toBe("bad_frame");
    expect(codeOf(JSON.stringify({ ...hello, extra: true }))).toBe("bad_frame");
    expect(codeOf(JSON.stringify({ type: "mark", name: "é".repeat(2100) }))).toBe("too_large");
  });

  it("carries keypad keys both ways, only 1 to 32 of 0-9, *, #, A-D", () => {
    expect(parseMediaClientMessage('{"type":"dtmf","digits":"42#"}')).toEqual({ ok: true, message: { type: "dtmf", digits: "42#" } });
    expect(parseMediaClientMessage(JSON.stringify({ type: "dtmf", digits: "*0123456789ABCD#" })).ok).toBe(true);
    for (const digits of ["", "12e", "a", "1 2", "w", "1".repeat(33), 4]) {
      const parsed = parseMediaClientMessage(JSON.stringify({ type: "dtmf", digits }));
      expect(parsed.ok ? null : parsed.error.code).toBe("bad_frame");
    }
    expect(parseMediaClientMessage('{"type":"dtmf","digits":"1","extra":1}').ok).toBe(false);
    expect(parseMediaServerMessage('{"type":"dtmf","digits":"9*"}')).toEqual({ type: "dtmf", digits: "9*" });
    expect(parseMediaServerMessage('{"type":"dtmf","digits":"x"}')).toBeNull();
    expect(parseMediaServerMessage(JSON.stringify({ type: "dtmf", digits: "1".repeat(33) }))).toBeNull();
  });

  it("limits binary frames to one second of audio at the declared rate", () => {
    expect(mediaBinaryFrameMaxBytes(16000)).toBe(32000);
    expect(mediaBinaryFrameMaxBytes(48000)).toBe(96000);
  });

  it("parses the server's messages for clients", () => {
    expect(parseMediaServerMessage('{"type":"clear"}')).toEqual({ type: "clear" });
    expect(parseMediaServerMessage('{"type":"error","code":"session_busy","message":"m"}')).toMatchObject({ code: "session_busy" });
    expect(parseMediaServerMessage('{"type":"error","code":"weird","message":"m"}')).toBeNull();
  });
});
