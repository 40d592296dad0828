// The local ledger as a billing driver (the embedded default): invoices are the statements this
// platform writes itself at the close of each period (close.ts), there is no payment provider (no
// portal, nothing to sync on a plan change), and the usage figures are the local ones.
import { desc, eq } from "drizzle-orm";
import { invoices } from "@speaknode/db";
import type { BillingDriver } from "../driver.ts";
import { closeDueStatements } from "./close.ts";

export const ledgerDriver: BillingDriver = {
  name: "ledger",
  /** Closes the periods that have ended first, so a finished month is listed as soon as anyone looks. */
  async listInvoices(db, spaceId, defaultPlanCode, now = new Date()) {
    await closeDueStatements(db, spaceId, defaultPlanCode, now);
    return db.select().from(invoices).where(eq(invoices.spaceId, spaceId)).orderBy(desc(invoices.periodStart), desc(invoices.issuedAt), desc(invoices.id));
  },
  async portalUrl() {
    return null;
  },
  // Nothing outside this database to tell: the change itself is the subscription row's.
  async planChanging() {},
  async currentUsage(_db, _state, local) {
    return { ...local, source: "ledger" };
  },
};
