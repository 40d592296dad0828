import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessionOfDispatch } from "./metadata.ts";

describe("agent dispatch metadata", () => {
  it("names the session the Worker dispatched", () => {
    const sessionId = newId("session");
    expect(sessionOfDispatch(JSON.stringify({ sessionId, agentId: newId("agent") }))).toBe(sessionId);
    expect(sessionOfDispatch(JSON.stringify({ sessionId }))).toBe(sessionId);
  });

  it("is not ours when it is not JSON or names no valid session", () => {
    expect(sessionOfDispatch("")).toBeNull();
    expect(sessionOfDispatch("not json")).toBeNull();
    expect(sessionOfDispatch(JSON.stringify({ sessionId: "ses_../../etc" }))).toBeNull();
    expect(sessionOfDispatch(JSON.stringify({ room: "x" }))).toBeNull();
  });
});
