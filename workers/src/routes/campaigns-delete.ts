// Delete a campaign with its items and attempts: a draft, or one that has ended. A running or
// paused campaign must be cancelled first (its calls are live or may be).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import { campaigns } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, noContent, problemSpec } from "../lib/openapi.ts";
import { wrongState } from "../campaigns/lifecycle.ts";
import { loadCampaign } from "../campaigns/store.ts";
import { CampaignParams } from "./params-telephony.ts";

const deletable = ["draft", "completed", "cancelled"] as const;
const needs = "only a draft, completed or cancelled campaign can be deleted (cancel it first)";

export const route = createRoute({
  method: "delete",
  path: "/v1/campaigns/{campaignId}",
  tags: ["campaigns"],
  summary: "Delete a draft, completed or cancelled campaign with its items and attempts (sessions stay)",
  security: bearerSecurity,
  request: { params: CampaignParams },
  responses: { 204: noContent, ...errorResponses, 409: problemSpec("The campaign is running or paused") },
});

export function registerCampaignsDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadCampaign(c, c.req.valid("param").campaignId);
    const db = c.get("db");
    // Conditional, so a launch racing this delete either wins (409 here) or finds nothing.
    const [deleted] = await db
      .delete(campaigns)
      .where(and(eq(campaigns.id, row.id), inArray(campaigns.status, [...deletable])))
      .returning({ id: campaigns.id });
    if (!deleted) {
      const [current] = await db.select({ status: campaigns.status }).from(campaigns).where(eq(campaigns.id, row.id));
      throw wrongState(current?.status, needs);
    }
    return c.body(null, 204);
  });
}
