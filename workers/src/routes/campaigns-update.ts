// Change a campaign. A draft takes any change; running or paused, only the name and the settings
// that apply to the next dial; completed or cancelled, only the name. `version` makes it an
// optimistic write (409 when stale).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Campaign, UpdateCampaignBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { editCampaign } from "../campaigns/edit.ts";
import { wakeRunner } from "../campaigns/lifecycle.ts";
import { loadCampaign, toCampaign } from "../campaigns/store.ts";
import { CampaignParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/campaigns/{campaignId}",
  tags: ["campaigns"],
  summary: "Change a campaign (after launch only name, callerNumberIds, endBy, windows, defaultTimeZone, maxConcurrentCalls, dialRatePerS and retry)",
  security: bearerSecurity,
  request: { params: CampaignParams, body: jsonBody(UpdateCampaignBody) },
  responses: {
    200: jsonResponse(Campaign, "The campaign"),
    ...errorResponses,
    409: problemSpec("A field fixed in the campaign's status, or the campaign changed since `version`"),
  },
});

export function registerCampaignsUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadCampaign(c, c.req.valid("param").campaignId);
    const updated = await editCampaign(c.get("db"), row, c.req.valid("json"));
    // The runner reads its settings from the row: a live campaign looks again at once.
    if (updated.status === "running" || updated.status === "paused") await wakeRunner(c, updated.id);
    return c.json(toCampaign(updated), 200);
  });
}
