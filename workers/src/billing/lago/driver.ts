// The Lago billing driver (BILLING_DRIVER=lago): invoices, the customer portal, plan changes and
// the current usage's amounts come from Lago; minutes are still counted here for enforcement.
import { desc, eq } from "drizzle-orm";
import type { BillingUsage } from "@speaknode/contracts";
import { invoices } from "@speaknode/db";
import type { LagoConfig } from "../../config.ts";
import { ApiError } from "../../errors.ts";
import { errorFields, log } from "../../lib/log.ts";
import type { BillingDriver, InvoiceRow } from "../driver.ts";
import { LagoApiError, lagoClient, type LagoClient } from "./client.ts";
import { centsToMoney, LagoInvoice, upsertLagoInvoice } from "./invoices.ts";
import { pushLagoSubscription } from "./sync.ts";

export function lagoDriver(config: LagoConfig, client: LagoClient = lagoClient(config)): BillingDriver {
  return {
    name: "lago",
    async listInvoices(db, spaceId) {
      try {
        for (const raw of await client.invoices(spaceId)) {
          const parsed = LagoInvoice.safeParse(raw);
          if (parsed.success) await upsertLagoInvoice(db, parsed.data, config.metricCode);
        }
      } catch (err) {
        // What the webhooks stored is still shown.
        if (!(err instanceof LagoApiError)) throw err;
        log.warn("billing: Lago invoices not read; stored ones shown", { spaceId, status: err.status });
      }
      const rows: InvoiceRow[] = await db.select().from(invoices).where(eq(invoices.spaceId, spaceId)).orderBy(desc(invoices.issuedAt), desc(invoices.createdAt));
      return rows;
    },
    async portalUrl(_db, spaceId) {
      try {
        return await client.portalUrl(spaceId);
      } catch (err) {
        if (err instanceof LagoApiError && err.notFound) return null;
        if (err instanceof LagoApiError) throw new ApiError("upstream_unavailable", "Lago did not answer with the customer portal");
        throw err;
      }
    },
    async planChanging(db, spaceId, next) {
      // Lago first: when it fails nothing changes here. Lago applies a downgrade at the end of the
      // period and an upgrade at once, as its plans say.
      try {
        await pushLagoSubscription(db, client, spaceId, next, null);
      } catch (err) {
        if (!(err instanceof LagoApiError)) throw err;
        log.warn("billing: Lago refused the plan change", { spaceId, status: err.status, ...errorFields(err) });
        throw new ApiError("upstream_unavailable", "Lago did not take the plan change; nothing changed");
      }
    },
    async currentUsage(_db, state, local): Promise<BillingUsage> {
      try {
        const usage = await client.currentUsage(state.spaceId);
        const overage = usage.charges_usage.reduce((sum, c) => sum + c.amount_cents, 0);
        return { ...local, overageAmount: centsToMoney(Math.max(0, overage)), source: "lago" };
      } catch (err) {
        if (!(err instanceof LagoApiError)) throw err;
        return { ...local, source: "ledger" };
      }
    },
  };
}
