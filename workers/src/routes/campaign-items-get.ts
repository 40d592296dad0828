// One contact of a campaign with every attempt made to call it (session links, outcomes, times).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { CampaignItemDetail } from "@speaknode/contracts";
import { campaignAttempts, campaignItems } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { loadCampaign, toCampaignAttempt, toCampaignItem } from "../campaigns/store.ts";
import { itemAnalyses } from "../campaigns/items.ts";
import { CampaignItemParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns/{campaignId}/items/{itemId}",
  tags: ["campaigns"],
  summary: "One contact of a campaign with its attempt history",
  security: bearerSecurity,
  request: { params: CampaignItemParams },
  responses: { 200: jsonResponse(CampaignItemDetail, "The item"), ...errorResponses },
});

export function registerCampaignItemsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { campaignId, itemId } = c.req.valid("param");
    const row = await loadCampaign(c, campaignId);
    const db = c.get("db");
    const [item] = await db
      .select()
      .from(campaignItems)
      .where(and(eq(campaignItems.id, itemId), eq(campaignItems.campaignId, row.id)));
    if (!item) throw notFound("campaign item");
    const attempts = await db.select().from(campaignAttempts).where(eq(campaignAttempts.itemId, item.id)).orderBy(asc(campaignAttempts.attemptNumber));
    const analysis = (await itemAnalyses(db, [item])).get(item.lastSessionId ?? "");
    return c.json({ ...toCampaignItem(item, analysis), attemptHistory: attempts.map(toCampaignAttempt) }, 200);
  });
}
