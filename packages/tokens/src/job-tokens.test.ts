import { describe, expect, it } from "vitest";
import { signGreetingWarmToken, verifyGreetingWarmToken } from "./greeting-tokens.ts";
import { signRuntimeJobToken, verifyRuntimeJobToken } from "./job-tokens.ts";
import { signRuntimeServiceToken, verifyRuntimeServiceToken } from "./service-tokens.ts";
import { signSessionToken } from "./session-tokens.ts";

const secret = "a-runtime-token-secret-of-32-chars!!";

describe("runtime job tokens", () => {
  it("round-trip the space and agent they were signed for, for their own scope only", async () => {
    const tests = await signRuntimeJobToken(secret, "agent-tests", { spaceId: "spc_x", agentId: "agt_x" });
    expect(await verifyRuntimeJobToken(secret, "agent-tests", tests)).toEqual({ spaceId: "spc_x", agentId: "agt_x" });
    expect(await verifyRuntimeJobToken(secret, "analysis", tests)).toBeNull();
    const analysis = await signRuntimeJobToken(secret, "analysis", { spaceId: "spc_x", agentId: "agt_x" });
    expect(await verifyRuntimeJobToken(secret, "agent-tests", analysis)).toBeNull();
  });

  it("are refused once expired or signed with another secret", async () => {
    expect(await verifyRuntimeJobToken(secret, "analysis", await signRuntimeJobToken(secret, "analysis", { spaceId: "spc_x", agentId: "agt_x", ttlS: -60 }))).toBeNull();
    expect(await verifyRuntimeJobToken(secret, "analysis", await signRuntimeJobToken("another-secret-of-thirty-two-chars!", "analysis", { spaceId: "spc_x", agentId: "agt_x" }))).toBeNull();
  });

  it("never pass as greeting, session or service tokens, nor those as them", async () => {
    const job = await signRuntimeJobToken(secret, "agent-tests", { spaceId: "spc_x", agentId: "agt_x" });
    expect(await verifyGreetingWarmToken(secret, job)).toBeNull();
    await expect(verifyRuntimeServiceToken(secret, job)).rejects.toThrow();
    expect(await verifyRuntimeJobToken(secret, "agent-tests", await signGreetingWarmToken(secret, { spaceId: "spc_x", agentId: "agt_x" }))).toBeNull();
    expect(await verifyRuntimeJobToken(secret, "agent-tests", await signSessionToken(secret, { sessionId: "ses_x", agentId: "agt_x", scope: "media", ttlS: 60 }))).toBeNull();
    expect(await verifyRuntimeJobToken(secret, "analysis", await signRuntimeServiceToken(secret, { ttlS: 60 }))).toBeNull();
  });
});
