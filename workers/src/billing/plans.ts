// Plan rows and their API shape. The platform Admin manages plans; spaces point at them by id
// (subscriptions) or, without a subscription row, by the configured default plan's code.
import { eq } from "drizzle-orm";
import type { Plan } from "@speaknode/contracts";
import { plans, type Database } from "@speaknode/db";
import { plainMoney } from "./money.ts";

export type PlanRow = typeof plans.$inferSelect;

/** A database or a transaction on it (billing runs inside the transactions of dispatch and of the session end). */
export type Db = Database | Parameters<Parameters<Database["transaction"]>[0]>[0];

export function toPlan(row: PlanRow): Plan {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    currency: row.currency,
    interval: row.interval,
    price: plainMoney(row.price),
    includedMinutes: row.includedMinutes,
    overagePricePerMinute: row.overagePricePerMinute === null ? null : plainMoney(row.overagePricePerMinute),
    rounding: row.rounding,
    features: row.features,
    limits: row.limits,
    archived: row.archived,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function planById(db: Db, id: string): Promise<PlanRow | undefined> {
  const [row] = await db.select().from(plans).where(eq(plans.id, id));
  return row;
}

export async function planByCode(db: Db, code: string): Promise<PlanRow | undefined> {
  const [row] = await db.select().from(plans).where(eq(plans.code, code));
  return row;
}

/** The default plan must exist: a missing one is a deployment error, not a request's. */
export async function defaultPlanOf(db: Db, code: string): Promise<PlanRow> {
  const row = await planByCode(db, code);
  if (!row) throw new Error(`the default plan "${code}" (BILLING_DEFAULT_PLAN) does not exist`);
  return row;
}
