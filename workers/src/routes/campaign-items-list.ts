// A campaign's contacts (items) in file order, filtered by status, latest outcome or phone digits,
// each with its latest session's analysis verdict.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CampaignItemPage, CampaignItemsQuery } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { decodeCursor, encodeCursor, itemAnalyses, itemsPage } from "../campaigns/items.ts";
import { loadCampaign, toCampaignItem } from "../campaigns/store.ts";
import { CampaignParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns/{campaignId}/items",
  tags: ["campaigns"],
  summary: "A campaign's contacts in file order, filtered by status, latest outcome or phone digits; page on with `cursor` = the previous page's nextCursor",
  security: bearerSecurity,
  request: { params: CampaignParams, query: CampaignItemsQuery },
  responses: { 200: jsonResponse(CampaignItemPage, "A page of items"), ...errorResponses },
});

export function registerCampaignItemsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadCampaign(c, c.req.valid("param").campaignId);
    const q = c.req.valid("query");
    const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
    const rows = await itemsPage(c.get("db"), row.id, q, after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const analyses = await itemAnalyses(c.get("db"), page);
    const last = page.at(-1);
    return c.json({ data: page.map((i) => toCampaignItem(i, i.lastSessionId ? analyses.get(i.lastSessionId) : undefined)), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null }, 200);
  });
}
