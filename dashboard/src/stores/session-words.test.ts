// The sessions pages' words without a DOM: end and failure reasons as sentences, stored errors
// (using the runtime's own sentence when it gave one), and readable callers instead of ids.
import { describe, expect, it } from "vitest";
import type { Session } from "../../../packages/contracts/src/sessions.ts";
import { describeCaller, describeEnd, describeError, describeFailure, describeHangupCause, recordingView, shortId } from "./session-words.ts";

const ended = (patch: Partial<Pick<Session, "status" | "endReason" | "failureReason">>) => describeEnd({ status: "completed", endReason: null, failureReason: null, ...patch });
const phone = (direction: "inbound" | "outbound", from: string, to: string) => ({ direction, from, to, phoneNumberId: null, provider: "twilio" as const, providerCallId: null, providerStatus: null, hangupCause: null });

describe("describeEnd", () => {
  it("says how a completed session ended for each end reason the runtime reports", () => {
    expect(ended({ endReason: "caller_hung_up" })).toBe("The caller hung up");
    expect(ended({ endReason: "agent_ended_call" })).toBe("The agent ended the call");
    expect(ended({ endReason: "token_limit" })).toBe("The token limit was reached");
    expect(ended({ endReason: "voicemail" })).toBe("Voicemail: the agent hung up");
    expect(ended({ endReason: "voicemail_left" })).toBe("Voicemail: the agent left a message");
    expect(ended({ endReason: "transferred" })).toBe("Transferred to a person");
    expect(ended({ endReason: null })).toBe("Completed");
  });

  it("turns an end reason it does not know into words rather than a code", () => {
    expect(ended({ endReason: "silence_timeout" })).toBe("Silence timeout");
  });

  it("names the stage and what went wrong for a runtime failure", () => {
    expect(ended({ status: "failed", failureReason: "tts error: provider_unavailable" })).toBe("Failed: the text-to-speech provider could not start");
    expect(ended({ status: "failed", failureReason: "stt error: provider_unavailable" })).toBe("Failed: the speech-to-text provider could not start");
    expect(ended({ status: "failed", failureReason: "runtime error: runtime_error" })).toBe("Failed: the voice runtime ran into an error");
    expect(ended({ status: "failed", failureReason: "media error: media_lost" })).toBe("Failed: the audio connection was lost");
    expect(ended({ status: "failed", failureReason: "llm error: llm_failed" })).toBe("Failed: the language model stopped working");
  });

  it("says the platform's own failure reasons as sentences", () => {
    expect(ended({ status: "failed", failureReason: "maximum duration reached" })).toBe("Maximum duration reached");
    expect(ended({ status: "failed", failureReason: "runtime lost" })).toBe("Failed: the voice runtime stopped responding");
    expect(ended({ status: "failed", failureReason: "agent did not join" })).toBe("Failed: no voice runtime picked the session up in time");
    expect(ended({ status: "failed", failureReason: "no answer" })).toBe("Nobody answered");
    expect(ended({ status: "failed", failureReason: "busy" })).toBe("The line was busy");
    expect(ended({ status: "failed", failureReason: "ended from the platform" })).toBe("Ended from the dashboard or the API");
  });

  it("keeps a telephony reason that is a sentence already, after 'Failed:'", () => {
    expect(describeFailure("Twilio refused the destination (error 21215)")).toBe("Failed: Twilio refused the destination (error 21215)");
    expect(describeFailure("the space was at its concurrent-call limit")).toBe("Failed: the space was at its concurrent-call limit");
    expect(describeFailure(null)).toBe("Failed");
  });

  it("says where a session that has not ended is", () => {
    expect(ended({ status: "pending" })).toBe("Waiting to start");
    expect(ended({ status: "dispatching" })).toBe("Waiting for the agent to join");
    expect(ended({ status: "active" })).toBe("In progress");
  });
});

describe("describeError", () => {
  it("uses the runtime's sentence when it gave one", () => {
    const detail = { stage: "tts", code: "provider_unavailable", fatal: true, message: "The OpenAI text-to-speech needs OPENAI_API_KEY in the voice runtime's environment, or a space provider key" };
    expect(describeError(detail)).toBe("The text-to-speech provider could not start: the OpenAI text-to-speech needs OPENAI_API_KEY in the voice runtime's environment, or a space provider key.");
  });

  it("says the stage and code in words when the message is a bare code or a stack", () => {
    expect(describeError({ stage: "media", code: "media_lost", message: "socket closed" })).toBe("The audio connection was lost.");
    expect(describeError({ stage: "runtime", code: "runtime_error", message: "TypeError: x is not a function\n    at run (runner.ts:1:1)" })).toBe("The voice runtime ran into an error.");
    expect(describeError({ stage: "llm" })).toBe("The language model reported an error.");
    expect(describeError(null)).toBe("An error without details");
  });
});

describe("describeCaller", () => {
  it("shows a phone session's other party: masked in the list, whole on the detail page", () => {
    const s = { channel: "phone" as const, caller: "+14155550100", phone: phone("inbound", "+14155550100", "+14155550199") };
    expect(describeCaller(s)).toEqual({ text: "+1415•••0100", title: null, phone: true });
    expect(describeCaller(s, { masked: false }).text).toBe("+14155550100");
    expect(describeCaller({ ...s, phone: phone("outbound", "+14155550199", "+442071838750") }, { masked: false }).text).toBe("+442071838750");
  });

  it("shows a web visitor by a short id, never the UUID", () => {
    const words = describeCaller({ channel: "widget", caller: "1a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d", phone: null });
    expect(words.text).toBe("Web visitor · 1a2b3c");
    expect(words.title).toBe("1a2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d");
    expect(describeCaller({ channel: "web", caller: null, phone: null }).text).toBe("Web visitor");
  });

  it("names test calls and API sessions", () => {
    expect(describeCaller({ channel: "test", caller: null, phone: null }).text).toBe("Test call");
    expect(describeCaller({ channel: "test", caller: "usr_01HZX3K9QF2M7Y8B", phone: null }).text).toBe("Test call");
    expect(describeCaller({ channel: "test", caller: "Ada Lovelace", phone: null }).text).toBe("Test · Ada Lovelace");
    expect(describeCaller({ channel: "api", caller: null, phone: null }).text).toBe("API");
    expect(describeCaller({ channel: "api", caller: "crm-contact-42", phone: null }).text).toBe("API · crm-contact-42");
  });

  it("cuts ids to six letters or digits after their prefix", () => {
    expect(shortId("usr_01HZX3K9QF")).toBe("01hzx3");
  });
});

describe("describeHangupCause", () => {
  it("says the provider's status in words and keeps its codes", () => {
    expect(describeHangupCause("busy (sip 486, error 31486)")).toBe("Busy (SIP 486, error 31486)");
    expect(describeHangupCause("no-answer")).toBe("No answer");
    expect(describeHangupCause(null)).toBe("—");
  });
});

describe("recordingView", () => {
  it("shows the player only with a composite track, and nothing for failed sessions or sessions without audio", () => {
    expect(recordingView({ status: "completed", recordings: [{ track: "composite" }] }, false)).toBe("player");
    expect(recordingView({ status: "failed", recordings: [] }, true)).toBeNull();
    expect(recordingView({ status: "completed", recordings: [{ track: "user" }] }, false)).toBeNull();
    expect(recordingView({ status: "completed", recordings: [] }, true)).toBe("storing");
    expect(recordingView({ status: "active", recordings: [] }, false)).toBe("live");
  });
});
