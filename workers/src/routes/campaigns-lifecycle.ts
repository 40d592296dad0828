// Launch, pause, resume and cancel a campaign. Each is one conditional UPDATE of the campaign row
// (of two racing requests one wins, the other gets a 409 naming the status), then the campaign's
// runner is woken to act on it: dial, stop dialling, or cancel what is still waiting.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Campaign, CancelCampaignBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { requirePlan } from "../billing/admission.ts";
import { moveCampaign, wakeRunner, type CampaignAction } from "../campaigns/lifecycle.ts";
import { loadCampaign, toCampaign } from "../campaigns/store.ts";
import { CampaignParams } from "./params-telephony.ts";

const summaries: Record<CampaignAction, string> = {
  launch: "Launch a draft: pins the agent's published version and starts dialling (needs contacts, a contact mapping and caller numbers of the space)",
  pause: "Pause a running campaign: no new calls; live calls finish",
  resume: "Resume a paused campaign",
  cancel: "Cancel a campaign: waiting contacts are cancelled; live calls finish (mode finish) or are hung up (end_calls)",
};

const conflict = { 409: problemSpec("The campaign's status does not allow this (or, to launch, something it needs is missing)") };

function lifecycleRoute(action: Exclude<CampaignAction, "cancel">) {
  return createRoute({
    method: "post",
    path: `/v1/campaigns/{campaignId}/${action}`,
    tags: ["campaigns"],
    summary: summaries[action],
    security: bearerSecurity,
    request: { params: CampaignParams },
    responses: { 200: jsonResponse(Campaign, "The campaign"), ...errorResponses, ...conflict },
  });
}

export const cancelRoute = createRoute({
  method: "post",
  path: "/v1/campaigns/{campaignId}/cancel",
  tags: ["campaigns"],
  summary: summaries.cancel,
  security: bearerSecurity,
  request: { params: CampaignParams, body: { ...jsonBody(CancelCampaignBody), required: false } },
  responses: { 200: jsonResponse(Campaign, "The campaign, cancelled"), ...errorResponses, ...conflict },
});

export const routes = { launch: lifecycleRoute("launch"), pause: lifecycleRoute("pause"), resume: lifecycleRoute("resume") };

export function registerCampaignsLifecycle(app: OpenAPIHono<AppEnv>): void {
  for (const action of ["launch", "pause", "resume"] as const) {
    app.openapi(routes[action], async (c) => {
      const row = await loadCampaign(c, c.req.valid("param").campaignId);
      // Launching needs the plan's campaigns; a campaign already running keeps pausing and resuming.
      if (action === "launch") await requirePlan(c, row.spaceId, { feature: "campaigns" });
      const moved = await moveCampaign(c.get("db"), row, action);
      await wakeRunner(c, moved.id);
      return c.json(toCampaign(moved), 200);
    });
  }
  app.openapi(cancelRoute, async (c) => {
    const row = await loadCampaign(c, c.req.valid("param").campaignId);
    const moved = await moveCampaign(c.get("db"), row, "cancel", c.req.valid("json").mode);
    await wakeRunner(c, moved.id);
    return c.json(toCampaign(moved), 200);
  });
}
