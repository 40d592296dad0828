// The phone call's pure parts: how single key presses become one input, and what an
// answering-machine verdict asks of the agent under each voicemail policy.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RuntimePhone } from "@speaknode/contracts";
import { DtmfCollector, dtmfUserInput, voicemailStep } from "./phone.ts";

afterEach(() => {
  vi.useRealTimers();
});

function collect(quietMs = 1500) {
  const inputs: string[] = [];
  return { collector: new DtmfCollector((digits) => inputs.push(digits), quietMs), inputs };
}

describe("key presses", () => {
  it("become one input at #, and say which key started a new one", () => {
    const { collector, inputs } = collect();
    expect([..."12#"].map((k) => collector.press(k))).toEqual([true, false, false]);
    expect(inputs).toEqual(["12#"]);
    expect(collector.press("3")).toBe(true);
    collector.dispose();
  });

  it("become one input once the caller pauses", () => {
    vi.useFakeTimers();
    const { collector, inputs } = collect(1500);
    collector.press("4");
    vi.advanceTimersByTime(1000);
    collector.press("5");
    vi.advanceTimersByTime(1000);
    expect(inputs).toEqual([]);
    vi.advanceTimersByTime(600);
    expect(inputs).toEqual(["45"]);
  });

  it("are passed on in parts of 32 keys, ignore anything that is not a key, and are forgotten when the call ends", () => {
    vi.useFakeTimers();
    const { collector, inputs } = collect();
    for (const key of "1234567890".repeat(4)) collector.press(key);
    expect(inputs).toEqual(["12345678901234567890123456789012"]);
    expect(collector.press("x")).toBe(false);
    collector.press("b");
    collector.dispose();
    vi.advanceTimersByTime(5000);
    expect(inputs).toEqual(["12345678901234567890123456789012"]);
    collector.press("*");
    collector.flush();
    expect(inputs.at(-1)).toBe("*");
  });

  it("reach the LLM as a sentence naming each key", () => {
    expect(dtmfUserInput("12*#")).toBe("The caller pressed these keys on the phone keypad: 1 2 * #");
  });
});

const phone = (direction: "inbound" | "outbound", action: "hang_up" | "leave_message", message = "Please call us back."): RuntimePhone => ({
  provider: "twilio",
  direction,
  from: null,
  to: null,
  providerCallId: null,
  recordingEnabled: true,
  voicemail: { action, message },
});

describe("an answering-machine verdict", () => {
  it("changes nothing when a person answers, when there is no verdict, or on an inbound call", () => {
    expect(voicemailStep("human", phone("outbound", "hang_up"))).toEqual({ act: "none" });
    expect(voicemailStep("unknown", phone("outbound", "leave_message"))).toEqual({ act: "none" });
    expect(voicemailStep("machine_end_beep", phone("inbound", "hang_up"))).toEqual({ act: "none" });
  });

  it("hangs up on any machine or fax when the policy is to hang up", () => {
    for (const verdict of ["machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"]) {
      expect(voicemailStep(verdict, phone("outbound", "hang_up"))).toEqual({ act: "hang_up" });
    }
  });

  it("waits for the end of the greeting, then leaves the message, when the policy leaves one", () => {
    const policy = phone("outbound", "leave_message", "  Please call us back.  ");
    expect(voicemailStep("machine_start", policy)).toEqual({ act: "wait" });
    for (const verdict of ["machine_end_beep", "machine_end_silence", "machine_end_other"]) {
      expect(voicemailStep(verdict, policy)).toEqual({ act: "leave_message", message: "Please call us back." });
    }
  });

  it("hangs up on a fax, or when the message to leave is empty", () => {
    expect(voicemailStep("fax", phone("outbound", "leave_message"))).toEqual({ act: "hang_up" });
    expect(voicemailStep("machine_end_beep", phone("outbound", "leave_message", " "))).toEqual({ act: "hang_up" });
  });
});
