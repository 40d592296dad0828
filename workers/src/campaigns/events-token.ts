// The live-progress URL of a campaign: the CampaignRunner's WebSocket behind /live/campaigns/{id},
// with a 10-minute campaign events token in the query (browsers cannot set headers on a WebSocket).
import type { Context } from "hono";
import { signCampaignEventsToken } from "@speaknode/tokens";
import type { AppEnv } from "../context.ts";
import { publicOrigin } from "../lib/public-url.ts";

export const campaignEventsTtlS = 600;

export async function campaignEventsUrl(c: Context<AppEnv>, campaignId: string): Promise<string> {
  const token = await signCampaignEventsToken(c.get("config").runtime.tokenSecret, { campaignId, ttlS: campaignEventsTtlS });
  const base = new URL(publicOrigin(c));
  base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return `${base.origin}/live/campaigns/${campaignId}?token=${encodeURIComponent(token)}`;
}
