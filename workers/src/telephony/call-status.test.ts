import { describe, expect, it } from "vitest";
import { callStatusEffect, endedBeforeAgentJoined, hangupCause, isTwilioCallStatus, twilioCallStatuses, type SessionStatusName } from "./call-status.ts";

const sessionStatuses: SessionStatusName[] = ["pending", "dispatching", "active", "completed", "failed"];

describe("call status → session lifecycle", () => {
  it("moves nothing while the call is queued, initiated, ringing or in progress", () => {
    for (const status of ["queued", "initiated", "ringing", "in-progress"] as const) {
      for (const session of sessionStatuses) expect(callStatusEffect(status, session)).toEqual({ action: "none" });
    }
  });

  it("fails a session the agent never joined with the reason of a busy, unanswered, failed or canceled call", () => {
    const reasons = { busy: "busy", "no-answer": "no answer", failed: "call failed", canceled: "canceled" } as const;
    for (const [status, reason] of Object.entries(reasons) as [keyof typeof reasons, string][]) {
      expect(callStatusEffect(status, "pending")).toEqual({ action: "fail", reason });
      expect(callStatusEffect(status, "dispatching")).toEqual({ action: "fail", reason });
      for (const later of ["active", "completed", "failed"] as const) expect(callStatusEffect(status, later)).toEqual({ action: "none" });
    }
  });

  it("fails a call that completed before the stream connected, and leaves an active one to the runtime", () => {
    expect(callStatusEffect("completed", "dispatching")).toEqual({ action: "fail", reason: endedBeforeAgentJoined });
    expect(callStatusEffect("completed", "pending")).toEqual({ action: "fail", reason: endedBeforeAgentJoined });
    expect(callStatusEffect("completed", "active")).toEqual({ action: "none" });
    expect(callStatusEffect("completed", "completed")).toEqual({ action: "none" });
  });

  it("records a hang-up cause for terminal statuses only, with the provider's codes", () => {
    expect(hangupCause("ringing", {})).toBeNull();
    expect(hangupCause("in-progress", { ErrorCode: "31000" })).toBeNull();
    expect(hangupCause("completed", {})).toBe("completed");
    expect(hangupCause("busy", { SipResponseCode: "486" })).toBe("busy (sip 486)");
    expect(hangupCause("failed", { SipResponseCode: "500", ErrorCode: "32009" })).toBe("failed (sip 500, error 32009)");
  });

  it("knows Twilio's statuses and nothing else", () => {
    for (const s of twilioCallStatuses) expect(isTwilioCallStatus(s)).toBe(true);
    expect(isTwilioCallStatus("answered")).toBe(false);
    expect(isTwilioCallStatus("")).toBe(false);
  });
});
