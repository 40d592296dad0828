import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { dispatchOf } from "./metadata.ts";

describe("agent dispatch metadata", () => {
  it("names the session the Worker dispatched", () => {
    const sessionId = newId("session");
    expect(dispatchOf(JSON.stringify({ sessionId, agentId: newId("agent") }))).toEqual({ kind: "session", sessionId });
    expect(dispatchOf(JSON.stringify({ sessionId }))).toEqual({ kind: "session", sessionId });
  });

  it("names the number and connection of a platform SIP dispatch rule", () => {
    const rule = { kind: "speaknode.sip", phoneNumberId: newId("phoneNumber"), connectionId: newId("telephonyConnection") } as const;
    expect(dispatchOf(JSON.stringify(rule))).toEqual({ kind: "sip", rule });
  });

  it("is not ours when it is not JSON, names no valid session or is a malformed SIP rule", () => {
    expect(dispatchOf("")).toBeNull();
    expect(dispatchOf("not json")).toBeNull();
    expect(dispatchOf(JSON.stringify({ sessionId: "ses_../../etc" }))).toBeNull();
    expect(dispatchOf(JSON.stringify({ room: "x" }))).toBeNull();
    expect(dispatchOf(JSON.stringify({ kind: "speaknode.sip", phoneNumberId: newId("phoneNumber") }))).toBeNull();
    expect(dispatchOf(JSON.stringify({ kind: "speaknode.sip", phoneNumberId: "pn_x", connectionId: newId("telephonyConnection") }))).toBeNull();
  });
});
