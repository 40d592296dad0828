import { describe, expect, it } from "vitest";
import { signSessionToken } from "./session-tokens.ts";
import { ServiceTokenError, signRuntimeServiceToken, verifyRuntimeServiceToken } from "./service-tokens.ts";

const secret = "a-runtime-token-secret-of-32-chars!!";

async function refusal(token: string): Promise<ServiceTokenError> {
  try {
    await verifyRuntimeServiceToken(secret, token);
  } catch (err) {
    if (err instanceof ServiceTokenError) return err;
    throw err;
  }
  throw new Error("the token was accepted");
}

describe("runtime service tokens", () => {
  it("round-trip their subject and optional session", async () => {
    expect(await verifyRuntimeServiceToken(secret, await signRuntimeServiceToken(secret, { ttlS: 60 }))).toEqual({ subject: "voice-runtime", sessionId: undefined });
    const narrowed = await signRuntimeServiceToken(secret, { ttlS: 60, subject: "runtime-eu-1", sessionId: "ses_x" });
    expect(await verifyRuntimeServiceToken(secret, narrowed)).toEqual({ subject: "runtime-eu-1", sessionId: "ses_x" });
  });

  it("say when they have expired", async () => {
    expect((await refusal(await signRuntimeServiceToken(secret, { ttlS: -60 }))).expired).toBe(true);
  });

  it("are not media or events tokens, even signed with the same secret", async () => {
    for (const scope of ["media", "events"] as const) {
      const token = await signSessionToken(secret, { sessionId: "ses_x", agentId: "agt_x", scope, ttlS: 60, role: "runtime" });
      expect((await refusal(token)).expired).toBe(false);
    }
  });
});
