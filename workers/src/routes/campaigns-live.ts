// Live progress of a campaign over a WebSocket served by its CampaignRunner. Like a session's live
// events, this lives outside /v1 (browsers cannot send an Authorization header when opening a
// WebSocket) and takes the 10-minute campaign events token of GET /v1/campaigns/{id} in the query.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { idSchema } from "@speaknode/contracts";
import { verifyCampaignEventsToken } from "@speaknode/tokens";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { campaignRunnerIn } from "../campaigns/runner-stub.ts";

export function registerCampaignsLive(app: OpenAPIHono<AppEnv>): void {
  app.get("/live/campaigns/:campaignId", async (c) => {
    const campaignId = idSchema("campaign").safeParse(c.req.param("campaignId"));
    if (!campaignId.success) throw new ApiError("validation_failed", "not a campaign id", { errors: [{ field: "path.campaignId", message: campaignId.error.issues[0]?.message ?? "invalid" }] });
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("malformed_request", "this endpoint speaks WebSocket only");
    const claims = await verifyCampaignEventsToken(c.get("config").runtime.tokenSecret, c.req.query("token") ?? "");
    if (!claims || claims.campaignId !== campaignId.data) throw new ApiError("unauthorized", "the events token is missing, expired or for another campaign");
    const runner = campaignRunnerIn(c.env, campaignId.data);
    if (!runner.fetch) throw new ApiError("upstream_unavailable", "live progress is not available");
    // The path names the campaign: a runner never woken (a draft) learns its id from it.
    return runner.fetch(new Request(`https://campaign-runner/live/campaigns/${campaignId.data}`, { headers: new Headers(c.req.raw.headers) }));
  });
}
