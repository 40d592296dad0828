import { describe, expect, it } from "vitest";
import { interpret, parseLiveMessage } from "./live-events.ts";
import { applyTranscript } from "./transcript.ts";
import type { SessionServerMessage } from "@speaknode/contracts";

const meta = { seq: 1, at: "2026-01-01T00:00:00.000Z" };

function parsed(value: object): SessionServerMessage {
  const message = parseLiveMessage(JSON.stringify(value));
  if (!message) throw new Error("not a message");
  return message;
}

describe("live events", () => {
  it("turns agent.ready, transcripts and terminal events into state-machine events", () => {
    expect(interpret(parsed({ type: "agent.ready", ...meta })).calls).toEqual([{ type: "agentReady" }]);
    const final = interpret(parsed({ type: "transcript.final", turnId: "t1", role: "user", text: "Hello", ...meta }));
    expect(final.calls).toEqual([{ type: "transcript", role: "user", final: true }]);
    expect(final.transcript).toEqual([{ turnId: "t1", role: "user", text: "Hello", final: true }]);
    expect(interpret(parsed({ type: "session.completed", audioAvailable: true, ...meta }))).toMatchObject({ calls: [{ type: "ended" }], terminal: true });
    expect(interpret(parsed({ type: "session.failed", reason: "agent did not join", ...meta }))).toMatchObject({
      calls: [{ type: "failed", error: { code: "session_failed" } }],
      terminal: true,
    });
  });

  it("replays a welcome's recent events and applies its status", () => {
    const welcome = interpret(
      parsed({
        type: "welcome",
        protocolVersion: 1,
        sessionId: "ses_1",
        status: "active",
        failureReason: null,
        seq: 2,
        recent: [
          { type: "session.status", status: "dispatching", ...meta },
          { type: "transcript.final", turnId: "a1", role: "agent", text: "Hi!", ...meta, seq: 2 },
        ],
      }),
    );
    expect(welcome.calls).toEqual([{ type: "transcript", role: "agent", final: true }, { type: "agentReady" }]);
    expect(welcome.transcript).toHaveLength(1);
    const failed = interpret(parsed({ type: "welcome", protocolVersion: 1, sessionId: "s", status: "failed", failureReason: "x", seq: 0, recent: [] }));
    expect(failed).toMatchObject({ calls: [{ type: "failed" }], terminal: true });
  });

  it("ignores pongs, errors, other events, non-JSON and malformed transcripts", () => {
    expect(interpret(parsed({ type: "pong" })).calls).toEqual([]);
    expect(interpret(parsed({ type: "tool.called", toolCallId: "c", name: "n", status: "ok", latencyMs: 3, ...meta })).calls).toEqual([]);
    expect(interpret(parsed({ type: "transcript.final", turnId: "t", role: "robot", text: "x", ...meta })).calls).toEqual([]);
    expect(parseLiveMessage("nope")).toBeNull();
    expect(parseLiveMessage('{"no":"type"}')).toBeNull();
  });
});

describe("transcript", () => {
  it("replaces a turn's partials with its final text, never the reverse", () => {
    let lines = applyTranscript([], [{ turnId: "t1", role: "user", text: "Hel", final: false }]);
    lines = applyTranscript(lines, [{ turnId: "t1", role: "user", text: "Hello there", final: true }]);
    lines = applyTranscript(lines, [{ turnId: "t1", role: "user", text: "Hello", final: false }]);
    lines = applyTranscript(lines, [{ turnId: "t1", role: "agent", text: "Hi", final: false }]);
    expect(lines.map((l) => [l.role, l.text, l.final])).toEqual([
      ["user", "Hello there", true],
      ["agent", "Hi", false],
    ]);
  });

  it("keeps at most the latest 100 lines", () => {
    const updates = Array.from({ length: 150 }, (_, i) => ({ turnId: `t${i}`, role: "user" as const, text: String(i), final: true }));
    const lines = applyTranscript([], updates);
    expect(lines).toHaveLength(100);
    expect(lines[0]?.text).toBe("50");
  });
});
