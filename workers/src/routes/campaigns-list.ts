// A space's campaigns, newest first, each with its summary (one grouped query for the whole page).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, lt } from "drizzle-orm";
import { Campaign, CampaignStatus, CampaignSummary, idSchema, text } from "@speaknode/contracts";
import { campaigns } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { emptySummary, summariesOf } from "../campaigns/summary.ts";
import { toCampaign } from "../campaigns/store.ts";
import { SpaceParams } from "./params.ts";

const CampaignWithSummary = Campaign.extend({ summary: CampaignSummary });

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/campaigns",
  tags: ["campaigns"],
  summary: "The space's campaigns, newest first, with their summaries; page on with `cursor` = the previous page's nextCursor",
  security: bearerSecurity,
  request: {
    params: SpaceParams,
    query: z.strictObject({
      status: CampaignStatus.optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: idSchema("campaign").optional(),
    }),
  },
  responses: { 200: jsonResponse(z.object({ data: z.array(CampaignWithSummary), nextCursor: text().nullable() }), "A page of campaigns"), ...errorResponses },
});

export function registerCampaignsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const q = c.req.valid("query");
    await requireSpace(c, spaceId);
    const db = c.get("db");
    // Ids are time-ordered: newest first by id, and the id is the cursor.
    const rows = await db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.spaceId, spaceId), q.status ? eq(campaigns.status, q.status) : undefined, q.cursor ? lt(campaigns.id, q.cursor) : undefined))
      .orderBy(desc(campaigns.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const summaries = await summariesOf(
      db,
      page.map((r) => r.id),
    );
    const data = page.map((r) => ({ ...toCampaign(r), summary: summaries.get(r.id) ?? emptySummary() }));
    return c.json({ data, nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null }, 200);
  });
}
