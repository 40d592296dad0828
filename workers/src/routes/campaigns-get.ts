// One campaign with its summary and a 10-minute live-progress URL.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CampaignDetail } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { campaignEventsUrl } from "../campaigns/events-token.ts";
import { loadCampaign, toCampaign } from "../campaigns/store.ts";
import { emptySummary, summariesOf } from "../campaigns/summary.ts";
import { CampaignParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns/{campaignId}",
  tags: ["campaigns"],
  summary: "A campaign: settings, status, summary (reached, voicemail, no answer, failed, average duration, minutes used) and its live-progress WebSocket URL",
  security: bearerSecurity,
  request: { params: CampaignParams },
  responses: { 200: jsonResponse(CampaignDetail, "The campaign"), ...errorResponses },
});

export function registerCampaignsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadCampaign(c, c.req.valid("param").campaignId);
    const summaries = await summariesOf(c.get("db"), [row.id]);
    return c.json({ ...toCampaign(row), summary: summaries.get(row.id) ?? emptySummary(), eventsUrl: await campaignEventsUrl(c, row.id) }, 200);
  });
}
