import { describe, expect, it } from "vitest";
import { signGreetingWarmToken, verifyGreetingWarmToken } from "./greeting-tokens.ts";
import { signTtsPreviewToken, verifyTtsPreviewToken } from "./preview-tokens.ts";
import { signSessionToken } from "./session-tokens.ts";
import { signRuntimeServiceToken, verifyRuntimeServiceToken } from "./service-tokens.ts";

const secret = "a-runtime-token-secret-of-32-chars!!";

describe("greeting warm tokens", () => {
  it("round-trip the space and agent they were signed for", async () => {
    expect(await verifyGreetingWarmToken(secret, await signGreetingWarmToken(secret, { spaceId: "spc_x", agentId: "agt_x" }))).toEqual({ spaceId: "spc_x", agentId: "agt_x" });
  });

  it("are refused once expired or signed with another secret", async () => {
    expect(await verifyGreetingWarmToken(secret, await signGreetingWarmToken(secret, { spaceId: "spc_x", agentId: "agt_x", ttlS: -60 }))).toBeNull();
    expect(await verifyGreetingWarmToken(secret, await signGreetingWarmToken("another-secret-of-thirty-two-chars!", { spaceId: "spc_x", agentId: "agt_x" }))).toBeNull();
  });

  it("never pass as preview, session or service tokens, nor those as them", async () => {
    const warm = await signGreetingWarmToken(secret, { spaceId: "spc_x", agentId: "agt_x" });
    expect(await verifyTtsPreviewToken(secret, warm)).toBeNull();
    await expect(verifyRuntimeServiceToken(secret, warm)).rejects.toThrow();
    expect(await verifyGreetingWarmToken(secret, await signTtsPreviewToken(secret, { spaceId: "spc_x" }))).toBeNull();
    expect(await verifyGreetingWarmToken(secret, await signSessionToken(secret, { sessionId: "ses_x", agentId: "agt_x", scope: "media", ttlS: 60 }))).toBeNull();
    expect(await verifyGreetingWarmToken(secret, await signRuntimeServiceToken(secret, { ttlS: 60 }))).toBeNull();
  });
});
