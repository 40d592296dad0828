// Lago's invoices as `invoices` rows (source lago): read from its webhooks and from GET /invoices,
// upserted by Lago's invoice id so a replay or a later status changes the one row. Only the fields
// this platform shows are read (zod, unknown fields ignored); amounts are Lago's integer cents.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { newId, text } from "@speaknode/contracts";
import { invoices, spaces, type InvoiceLineJson } from "@speaknode/db";
import { eq } from "drizzle-orm";
import type { Db } from "../subscription.ts";
import type { InvoiceRow } from "../driver.ts";

const Fee = z
  .object({
    units: z.union([text(), z.number()]).optional(),
    amount_cents: z.number().int().optional(),
    precise_unit_amount: text().optional(),
    from_date: text().nullish(),
    to_date: text().nullish(),
    item: z.object({ code: text().nullish(), name: text().nullish(), invoice_display_name: text().nullish() }).partial().optional(),
  })
  .passthrough();

export const LagoInvoice = z
  .object({
    lago_id: text().min(1).max(100),
    number: text().min(1).max(60),
    status: text(),
    payment_status: text().optional(),
    currency: text().regex(/^[A-Z]{3}$/),
    total_amount_cents: z.number().int().min(0),
    issuing_date: text(),
    created_at: text().optional(),
    file_url: text().nullish(),
    customer: z.object({ external_id: text() }).passthrough().optional(),
    fees: z.array(Fee).optional(),
    billing_periods: z
      .array(z.object({ external_subscription_id: text(), subscription_from_datetime: text().optional(), subscription_to_datetime: text().optional() }).passthrough())
      .optional(),
  })
  .passthrough();
export type LagoInvoice = z.infer<typeof LagoInvoice>;

type InvoiceStatus = InvoiceRow["status"];

/**
 * Lago's invoice status and payment status as one of ours: a finalized invoice is paid, failed or
 * open by its payment; draft stays draft; voided (or deleted) is void; a failed generation is failed;
 * pending (still being generated) reads as draft.
 */
export function invoiceStatusOf(status: string, paymentStatus: string | undefined): InvoiceStatus {
  if (status === "finalized") return paymentStatus === "succeeded" ? "paid" : paymentStatus === "failed" ? "failed" : "open";
  if (status === "voided" || status === "deleted") return "void";
  if (status === "failed") return "failed";
  return "draft";
}

/** Integer cents as a decimal string ("12.34"). */
export function centsToMoney(cents: number): string {
  const abs = Math.abs(Math.trunc(cents));
  return `${cents < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const money4 = /^\d{1,8}(\.\d{1,4})?$/;

/** The space an invoice belongs to: its customer's external id (= the space id). */
export function spaceIdOf(invoice: LagoInvoice): string | null {
  return invoice.customer?.external_id ?? invoice.billing_periods?.[0]?.external_subscription_id ?? null;
}

export function invoiceValues(invoice: LagoInvoice, spaceId: string, metricCode: string) {
  const fees = invoice.fees ?? [];
  const dates = fees.flatMap((f) => [f.from_date, f.to_date]).filter((d): d is string => !!d).map((d) => new Date(d)).filter((d) => !Number.isNaN(d.getTime()));
  const periods = invoice.billing_periods ?? [];
  const issuedAt = new Date(invoice.issuing_date.length === 10 ? `${invoice.issuing_date}T00:00:00Z` : invoice.issuing_date);
  const from = periods[0]?.subscription_from_datetime ? new Date(periods[0].subscription_from_datetime) : dates.length ? new Date(Math.min(...dates.map(Number))) : issuedAt;
  const to = periods[0]?.subscription_to_datetime ? new Date(periods[0].subscription_to_datetime) : dates.length ? new Date(Math.max(...dates.map(Number))) : issuedAt;
  const lines: InvoiceLineJson[] = fees.map((f) => ({
    kind: "lago",
    description: (f.item?.invoice_display_name ?? f.item?.name ?? f.item?.code ?? "Lago fee").slice(0, 200),
    quantity: String(f.units ?? "1"),
    unit: "unit",
    unitPrice: f.precise_unit_amount && money4.test(f.precise_unit_amount) ? f.precise_unit_amount : "0.00",
    amount: centsToMoney(Math.max(0, f.amount_cents ?? 0)),
  }));
  const usedSeconds = Math.round(fees.filter((f) => f.item?.code === metricCode).reduce((s, f) => s + Number(f.units ?? 0), 0));
  return {
    spaceId,
    source: "lago" as const,
    number: invoice.number,
    status: invoiceStatusOf(invoice.status, invoice.payment_status),
    periodStart: from,
    periodEnd: to,
    currency: invoice.currency,
    lines,
    usedSeconds: Number.isFinite(usedSeconds) ? usedSeconds : 0,
    total: centsToMoney(invoice.total_amount_cents),
    issuedAt: Number.isNaN(issuedAt.getTime()) ? new Date() : issuedAt,
    lagoInvoiceId: invoice.lago_id,
    pdfUrl: invoice.file_url ?? null,
  };
}

/** Inserts or updates the invoice by Lago's id; null when its space is not (or no longer) here. */
export async function upsertLagoInvoice(db: Db, invoice: LagoInvoice, metricCode: string): Promise<InvoiceRow | null> {
  const spaceId = spaceIdOf(invoice);
  if (!spaceId) return null;
  const [space] = await db.select({ id: spaces.id }).from(spaces).where(eq(spaces.id, spaceId));
  if (!space) return null;
  const values = invoiceValues(invoice, spaceId, metricCode);
  const { spaceId: _space, source: _source, lagoInvoiceId: _id, ...changes } = values;
  const [row] = await db
    .insert(invoices)
    .values({ id: newId("invoice"), ...values })
    .onConflictDoUpdate({ target: invoices.lagoInvoiceId, set: { ...changes, updatedAt: sql`now()` } })
    .returning();
  return row ?? null;
}
