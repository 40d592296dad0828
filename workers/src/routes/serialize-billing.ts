// Invoice rows → API bodies, and an invoice loaded for its space's Owner.
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import type { Invoice } from "@speaknode/contracts";
import { invoices } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { iso } from "../lib/openapi.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { formatMoney } from "../billing/money.ts";
import type { InvoiceRow } from "../billing/driver.ts";

export function toInvoice(row: InvoiceRow, origin: string): Invoice {
  return {
    id: row.id,
    spaceId: row.spaceId,
    source: row.source,
    number: row.number,
    status: row.status,
    periodStart: iso(row.periodStart),
    periodEnd: iso(row.periodEnd),
    currency: row.currency,
    planName: row.planName,
    lines: row.lines,
    usedSeconds: row.usedSeconds,
    total: formatMoney(row.total),
    issuedAt: iso(row.issuedAt),
    // Lago's PDF link is handed out as is (a browser opens it; a redirect from this API would need
    // the bearer token and a cross-origin read); the ledger's statement comes from this API.
    downloadUrl: row.source === "lago" && row.pdfUrl?.startsWith("https://") ? row.pdfUrl : `${origin}/v1/invoices/${row.id}/download`,
  };
}

export const invoiceBody = (c: Context<AppEnv>, row: InvoiceRow): Invoice => toInvoice(row, publicOrigin(c));

/** Invoices are the Owners' (amounts and payment state); another space's id is the made-up id's 404. */
export async function loadInvoice(c: Context<AppEnv>, invoiceId: string): Promise<InvoiceRow> {
  const [row] = await c.get("db").select().from(invoices).where(eq(invoices.id, invoiceId));
  return (await requireInSpace(c, "invoice", row, "owner")).row;
}
