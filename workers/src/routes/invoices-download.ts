// An invoice to keep (Owner): the local ledger's statement as a printable HTML page (the browser's
// print to PDF makes the PDF; no renderer runs in the Worker), or a redirect to Lago's PDF. Only an
// https link of Lago's is followed: the stored URL came from a webhook, and a redirect elsewhere
// would send the Owner wherever the payload said.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { text } from "@speaknode/contracts";
import { spaces, subscriptions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, problemSpec } from "../lib/openapi.ts";
import { renderStatementHtml, statementCsp } from "../billing/ledger/render.ts";
import { loadInvoice } from "./serialize-billing.ts";
import { InvoiceParams } from "./params-billing.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/invoices/{invoiceId}/download",
  tags: ["billing"],
  summary: "Download an invoice (Owner): the ledger's printable HTML statement, or a redirect to Lago's PDF",
  security: bearerSecurity,
  request: { params: InvoiceParams },
  responses: {
    200: { description: "The printable statement (an attachment)", content: { "text/html": { schema: text() } } },
    302: { description: "Lago's PDF (Location, https)" },
    ...errorResponses,
    409: problemSpec("Lago has no PDF of this invoice yet"),
  },
});

/** The invoice number as a safe file name: SN-2026-000042.html. */
const fileName = (number: string) => `${number.replace(/[^A-Za-z0-9._-]/g, "_")}.html`;

function httpsUrl(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" ? url.toString() : null;
  } catch {
    return null;
  }
}

export function registerInvoicesDownload(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadInvoice(c, c.req.valid("param").invoiceId);
    if (row.source === "lago") {
      const pdf = httpsUrl(row.pdfUrl);
      if (!pdf) throw new ApiError("conflict", "Lago has not made a PDF of this invoice yet");
      return c.redirect(pdf, 302);
    }
    // The period's days are named in the space's billing zone (UTC without a subscription row).
    const [space] = await c
      .get("db")
      .select({ name: spaces.name, timeZone: subscriptions.timeZone })
      .from(spaces)
      .leftJoin(subscriptions, eq(subscriptions.spaceId, spaces.id))
      .where(eq(spaces.id, row.spaceId));
    return c.body(renderStatementHtml(row, space?.name ?? "", space?.timeZone ?? "UTC"), 200, {
      "content-type": "text/html; charset=utf-8",
      "content-disposition": `attachment; filename="${fileName(row.number)}"`,
      "cache-control": "private, no-store",
      // Opened in a tab anyway, the page runs nothing and loads nothing but its own style.
      "content-security-policy": statementCsp,
      "x-content-type-options": "nosniff",
    });
  });
}
