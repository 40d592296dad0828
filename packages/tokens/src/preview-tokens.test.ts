import { describe, expect, it } from "vitest";
import { signTtsPreviewToken, verifyTtsPreviewToken } from "./preview-tokens.ts";
import { signSessionToken, verifySessionToken } from "./session-tokens.ts";
import { signRuntimeServiceToken, verifyRuntimeServiceToken } from "./service-tokens.ts";

const secret = "a-runtime-token-secret-of-32-chars!!";

describe("voice preview tokens", () => {
  it("round-trip the space they were signed for", async () => {
    expect(await verifyTtsPreviewToken(secret, await signTtsPreviewToken(secret, { spaceId: "spc_x" }))).toEqual({ spaceId: "spc_x" });
  });

  it("are refused once expired or signed with another secret", async () => {
    expect(await verifyTtsPreviewToken(secret, await signTtsPreviewToken(secret, { spaceId: "spc_x", ttlS: -60 }))).toBeNull();
    expect(await verifyTtsPreviewToken(secret, await signTtsPreviewToken("another-secret-of-thirty-two-chars!", { spaceId: "spc_x" }))).toBeNull();
  });

  it("never pass as session or service tokens, nor those as them", async () => {
    const preview = await signTtsPreviewToken(secret, { spaceId: "spc_x" });
    expect(await verifySessionToken(secret, preview, "media")).toBeNull();
    await expect(verifyRuntimeServiceToken(secret, preview)).rejects.toThrow();
    expect(await verifyTtsPreviewToken(secret, await signSessionToken(secret, { sessionId: "ses_x", agentId: "agt_x", scope: "media", ttlS: 60 }))).toBeNull();
    expect(await verifyTtsPreviewToken(secret, await signRuntimeServiceToken(secret, { ttlS: 60 }))).toBeNull();
  });
});
