import { describe, expect, it } from "vitest";
import { signCampaignEventsToken, verifyCampaignEventsToken } from "./campaign-tokens.ts";
import { signSessionToken, verifySessionToken } from "./session-tokens.ts";
import { signRuntimeServiceToken } from "./service-tokens.ts";

const secret = "a-runtime-token-secret-of-32-chars!!";
const campaignId = "cmp_01jqz8k3m4n5p6q7r8s9t0v1w2";

describe("campaign events tokens", () => {
  it("round-trip the campaign they subscribe to", async () => {
    expect(await verifyCampaignEventsToken(secret, await signCampaignEventsToken(secret, { campaignId, ttlS: 600 }))).toEqual({ campaignId });
  });

  it("are refused once expired or signed with another secret", async () => {
    expect(await verifyCampaignEventsToken(secret, await signCampaignEventsToken(secret, { campaignId, ttlS: -60 }))).toBeNull();
    expect(await verifyCampaignEventsToken(secret, await signCampaignEventsToken("another-secret-of-thirty-two-chars!", { campaignId, ttlS: 600 }))).toBeNull();
    expect(await verifyCampaignEventsToken(secret, "not.a.token")).toBeNull();
  });

  it("never take a session's events or media token, nor a runtime service token, and are never taken for one", async () => {
    for (const tokenScope of ["events", "media"] as const) {
      const session = await signSessionToken(secret, { sessionId: campaignId, agentId: "agt_x", scope: tokenScope, ttlS: 600, role: "viewer" });
      expect(await verifyCampaignEventsToken(secret, session)).toBeNull();
    }
    expect(await verifyCampaignEventsToken(secret, await signRuntimeServiceToken(secret, { ttlS: 600 }))).toBeNull();
    const campaign = await signCampaignEventsToken(secret, { campaignId, ttlS: 600 });
    expect(await verifySessionToken(secret, campaign, "events")).toBeNull();
    expect(await verifySessionToken(secret, campaign, "media")).toBeNull();
  });
});
