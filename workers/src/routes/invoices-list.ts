// A space's invoices, newest first (Owner). The local ledger first writes the statements of
// periods that have ended since it last looked; Lago's are fetched and stored, falling back to
// what was stored when Lago cannot be reached.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InvoiceList } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { billingDriverFor } from "../billing/driver.ts";
import { toInvoice } from "./serialize-billing.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/invoices",
  tags: ["billing"],
  summary: "The space's invoices, newest first: period statements of the local ledger, or Lago's invoices (Owner)",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(InvoiceList, "The invoices"), ...errorResponses },
});

export function registerInvoicesList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const { billing } = c.get("config");
    const rows = await billingDriverFor(billing.driver).listInvoices(c.get("db"), spaceId, billing.defaultPlan);
    const origin = publicOrigin(c);
    return c.json({ data: rows.map((row) => toInvoice(row, origin)) }, 200);
  });
}
