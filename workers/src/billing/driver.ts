// What the billing routes ask of the payment side: the local ledger (statements this platform writes
// itself, no payments) or Lago (usage events, invoices and payments in Lago). Minutes are always
// counted locally for enforcement; a driver only adds invoices, the portal, plan sync and, for
// Lago, its own view of the current usage.
import type { BillingUsage } from "@speaknode/contracts";
import type { Database, invoices } from "@speaknode/db";
import type { Config } from "../config.ts";
import type { PlanRow } from "./plans.ts";
import type { BillingState } from "./subscription.ts";
import { ledgerDriver } from "./ledger/driver.ts";
import { lagoDriver } from "./lago/driver.ts";

export type InvoiceRow = typeof invoices.$inferSelect;

export interface BillingDriver {
  name: "ledger" | "lago";
  /** The space's invoices, newest first (Lago: fetched and upserted into `invoices`, falling back to stored rows). */
  listInvoices(db: Database, spaceId: string, defaultPlanCode: string, now?: Date): Promise<InvoiceRow[]>;
  portalUrl(db: Database, spaceId: string): Promise<string | null>;
  /** Called BEFORE the local change; throwing ApiError("upstream_unavailable") aborts it. */
  planChanging(db: Database, spaceId: string, next: PlanRow, effective: "now" | "period_end"): Promise<void>;
  /** Lago: its current usage replaces the local figures' amounts where it has them; ledger: unchanged. */
  currentUsage(db: Database, state: BillingState, local: Omit<BillingUsage, "source">): Promise<BillingUsage>;
}

export type BillingDriverConfig = Config["billing"]["driver"];

/** The configured driver: the local ledger (the embedded default) or Lago. */
export function billingDriverFor(config: BillingDriverConfig): BillingDriver {
  return config.name === "ledger" ? ledgerDriver : lagoDriver(config.lago);
}
