// Create a campaign as a draft (Members and API keys of the space): an agent of the space, caller
// numbers of the space, and the settings with the contract's defaults. Contacts come next
// (POST /v1/campaigns/{id}/contacts), then launch.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Campaign, CampaignSettings, CreateCampaignBody, newId } from "@speaknode/contracts";
import { campaigns } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { requirePlan } from "../billing/admission.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { agentOfSpace, callerNumberErrors } from "../campaigns/checks.ts";
import { toCampaign } from "../campaigns/store.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/campaigns",
  tags: ["campaigns"],
  summary: "Create a campaign (a draft): agent, caller numbers, schedule, calling windows, limits and retries",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(CreateCampaignBody) },
  responses: { 201: jsonResponse(Campaign, "The draft campaign"), ...errorResponses },
});

export function registerCampaignsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { name, agentId, contactMapping, ...settings } = c.req.valid("json");
    await requireSpace(c, spaceId);
    await requirePlan(c, spaceId, [{ feature: "campaigns" }, { limit: "campaigns" }]);
    const db = c.get("db");
    await agentOfSpace(db, spaceId, agentId, "body.agentId");
    const errors = await callerNumberErrors(db, spaceId, settings.callerNumberIds, "body.callerNumberIds");
    if (errors.length > 0) throw new ApiError("validation_failed", "a caller number cannot be used", { errors });
    const p = c.get("principal");
    const [row] = await db
      .insert(campaigns)
      .values({ id: newId("campaign"), spaceId, agentId, name, settings: CampaignSettings.parse(settings), contactMapping, createdBy: p.type === "user" ? p.userId : null })
      .returning();
    if (!row) throw new Error("the campaign insert returned no row");
    return c.json(toCampaign(row), 201);
  });
}
