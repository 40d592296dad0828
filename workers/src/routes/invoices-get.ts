// One invoice with its lines (Owner of its space).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Invoice } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { invoiceBody, loadInvoice } from "./serialize-billing.ts";
import { InvoiceParams } from "./params-billing.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/invoices/{invoiceId}",
  tags: ["billing"],
  summary: "An invoice: period, plan, lines, total and status (Owner)",
  security: bearerSecurity,
  request: { params: InvoiceParams },
  responses: { 200: jsonResponse(Invoice, "The invoice"), ...errorResponses },
});

export function registerInvoicesGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadInvoice(c, c.req.valid("param").invoiceId);
    return c.json(invoiceBody(c, row), 200);
  });
}
