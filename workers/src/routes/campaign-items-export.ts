// A campaign's items as CSV, streamed page by page (up to 100k rows without holding them): row,
// phone, status, attempts, latest outcome and error, latest session and its dashboard link, then
// one column per variable.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { text } from "@speaknode/contracts";
import { createDatabase } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses } from "../lib/openapi.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { exportItemsCsv } from "../campaigns/export.ts";
import { loadCampaign } from "../campaigns/store.ts";
import { CampaignParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/campaigns/{campaignId}/items.csv",
  tags: ["campaigns"],
  summary: "Export a campaign's items as CSV (RFC 4180, streamed; text a spreadsheet would run as a formula is prefixed with ')",
  security: bearerSecurity,
  request: { params: CampaignParams },
  responses: { 200: { description: "The items, one row each", content: { "text/csv": { schema: text() } } }, ...errorResponses },
});

export function registerCampaignItemsExport(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadCampaign(c, c.req.valid("param").campaignId);
    const config = c.get("config");
    const origin = publicOrigin(c);
    const stream = exportItemsCsv({
      open: () => createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 }),
      campaign: row,
      sessionUrl: (sessionId) => `${origin}/app/spaces/${row.spaceId}/sessions/${sessionId}`,
    });
    return c.body(stream, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="campaign-${row.id}.csv"`,
      "cache-control": "no-store",
    });
  });
}
