import { describe, expect, it } from "vitest";
import { errorMessages } from "../shared/errors.ts";
import type { WidgetErrorCode } from "../shared/types.ts";
import { canStart, initialState, reduce, stateName, stateText, type CallEvent, type CallState } from "./state.ts";

function run(events: CallEvent[], from: CallState = initialState): CallState {
  return events.reduce(reduce, from);
}

const started = run([{ type: "start" }]);
const active = run([{ type: "start" }, { type: "agentReady" }]);
const allErrors = Object.keys(errorMessages) as WidgetErrorCode[];

describe("call state machine", () => {
  it("goes idle → connecting → listening on agent.ready", () => {
    expect(stateName(initialState)).toBe("idle");
    expect(stateName(started)).toBe("connecting");
    expect(stateName(active)).toBe("listening");
  });

  it("is speaking while agent audio plays, and listening after", () => {
    const speaking = reduce(active, { type: "agentAudible", audible: true });
    expect(stateName(speaking)).toBe("speaking");
    expect(stateName(reduce(speaking, { type: "agentAudible", audible: false }))).toBe("listening");
  });

  it("treats agent audio before agent.ready as the agent having joined", () => {
    const speaking = reduce(started, { type: "agentAudible", audible: true });
    expect(stateName(speaking)).toBe("speaking");
    expect(stateName(reduce(speaking, { type: "agentAudible", audible: false }))).toBe("listening");
    expect(stateName(reduce(started, { type: "agentAudible", audible: false }))).toBe("connecting");
  });

  it("thinks after the user's final transcript until the agent answers", () => {
    const thinking = run([{ type: "transcript", role: "user", final: false }, { type: "transcript", role: "user", final: true }], active);
    expect(stateName(thinking)).toBe("thinking");
    expect(stateName(reduce(thinking, { type: "agentAudible", audible: true }))).toBe("speaking");
    // The agent's reply ended: back to listening, not to thinking.
    expect(stateName(run([{ type: "agentAudible", audible: true }, { type: "agentAudible", audible: false }], thinking))).toBe("listening");
  });

  it("goes back to listening when the user speaks again, on barge-in, or on a silent agent reply", () => {
    const thinking = reduce(active, { type: "transcript", role: "user", final: true });
    expect(stateName(reduce(thinking, { type: "transcript", role: "user", final: false }))).toBe("listening");
    expect(stateName(reduce(thinking, { type: "interrupted" }))).toBe("listening");
    expect(stateName(reduce(thinking, { type: "transcript", role: "agent", final: true }))).toBe("listening");
    expect(stateName(reduce(thinking, { type: "transcript", role: "agent", final: false }))).toBe("thinking");
  });

  it("stays speaking when the agent's final text arrives while its audio still plays", () => {
    const speaking = run([{ type: "transcript", role: "user", final: true }, { type: "agentAudible", audible: true }, { type: "transcript", role: "agent", final: true }], active);
    expect(stateName(speaking)).toBe("speaking");
  });

  it("listens after the reply when the agent's audio reached the page before the user's final transcript", () => {
    // The media socket is the shorter path: audio, then the user's final, then the agent's text
    // (partial and final) while the audio still plays, then the audio ends.
    const audibleFirst = run([{ type: "agentAudible", audible: true }, { type: "transcript", role: "user", final: true }], active);
    expect(stateName(audibleFirst)).toBe("speaking");
    for (const final of [false, true]) {
      const over = run([{ type: "transcript", role: "agent", final }, { type: "agentAudible", audible: false }], audibleFirst);
      expect(stateName(over), `agent ${final ? "final" : "partial"} text while audible`).toBe("listening");
    }
  });

  it("barge-in stops speaking at once", () => {
    expect(stateName(run([{ type: "agentAudible", audible: true }, { type: "interrupted" }], active))).toBe("listening");
  });

  it("ends from connecting and from every active state", () => {
    for (const from of [started, active, reduce(active, { type: "agentAudible", audible: true }), reduce(active, { type: "transcript", role: "user", final: true })]) {
      expect(stateName(reduce(from, { type: "ended" }))).toBe("ended");
    }
  });

  it("ignores call events once the call is over, and a failure after the end", () => {
    const ended = reduce(active, { type: "ended" });
    expect(reduce(ended, { type: "agentReady" })).toBe(ended);
    expect(reduce(ended, { type: "agentAudible", audible: true })).toBe(ended);
    expect(reduce(ended, { type: "failed", error: { code: "network_lost" } })).toBe(ended);
    expect(reduce(initialState, { type: "ended" })).toBe(initialState);
  });

  it("does not restart a live call", () => {
    expect(reduce(active, { type: "start" })).toBe(active);
    expect(reduce(active, { type: "reset" })).toBe(active);
    expect(canStart(active)).toBe(false);
  });

  it("maps every error to a message and allows a retry from it", () => {
    for (const code of allErrors) {
      for (const from of [started, active]) {
        const failed = reduce(from, { type: "failed", error: { code } });
        expect(stateName(failed)).toBe("error");
        expect(stateText(failed, "Ava")).toBe(errorMessages[code]);
        expect(stateText(failed, "Ava").length).toBeGreaterThan(10);
        expect(canStart(failed)).toBe(true);
        expect(stateName(reduce(failed, { type: "start" }))).toBe("connecting");
        expect(stateName(reduce(failed, { type: "reset" }))).toBe("idle");
      }
    }
    expect(allErrors).toEqual(
      expect.arrayContaining(["agent_unpublished", "rate_limited", "token_expired", "token_invalid", "no_webrtc", "mic_denied", "mic_missing", "network_lost", "session_failed"]),
    );
  });

  it("tells a visitor that a failed session's agent cannot speak, never that the conversation ended", () => {
    const failed = reduce(active, { type: "failed", error: { code: "session_failed" } });
    expect(stateName(failed)).toBe("error");
    expect(stateText(failed, "Ava")).toBe("This agent cannot speak right now.");
    // The end of the media after the failure does not turn it into a normal end.
    expect(reduce(failed, { type: "ended" })).toBe(failed);
  });

  it("counts media that ended before the agent joined as a failure, and after as a normal end", () => {
    expect(reduce(started, { type: "mediaEnded" })).toEqual({ phase: "error", error: { code: "session_failed" } });
    expect(stateName(reduce(active, { type: "mediaEnded" }))).toBe("ended");
    const ended = reduce(active, { type: "ended" });
    expect(reduce(ended, { type: "mediaEnded" })).toBe(ended);
  });

  it("shows a host's own sentence for an error when it gave one", () => {
    const failed = reduce(started, { type: "failed", error: { code: "session_failed", message: "Add an OpenAI key to test this agent." } });
    expect(stateText(failed, "Ava")).toBe("Add an OpenAI key to test this agent.");
  });

  it("says how long to wait when rate-limited with a retry-after", () => {
    const failed = reduce(started, { type: "failed", error: { code: "rate_limited", retryAfterS: 30 } });
    expect(stateText(failed, "Ava")).toContain("30 s");
  });

  it("retries after the end too", () => {
    const ended = reduce(active, { type: "ended" });
    expect(stateName(reduce(ended, { type: "start" }))).toBe("connecting");
    expect(stateText(ended, "Ava")).toBe("Conversation ended.");
  });

  it("names the agent while connecting and speaking", () => {
    expect(stateText(started, "Ava")).toBe("Connecting to Ava…");
    expect(stateText(reduce(active, { type: "agentAudible", audible: true }), "Ava")).toBe("Ava is speaking");
  });
});
