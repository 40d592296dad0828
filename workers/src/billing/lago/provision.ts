// What Lago needs before the first event: the billable metric (`voice_seconds` by default: the sum
// of each event's billable_seconds) and one Lago plan per plan here (same code). A plan's usage is
// one graduated charge on that metric: the included minutes × 60 seconds free, then the overage
// price / 60 per second (nothing past them for a plan without overage: dispatch stops there). The
// subscription fee is the plan's amount, billed at the end of the period. Re-running updates.
import { asc, eq } from "drizzle-orm";
import { plans } from "@speaknode/db";
import type { Db } from "../subscription.ts";
import type { PlanRow } from "../plans.ts";
import { toUnits } from "../money.ts";
import type { LagoClient, PlanInput } from "./client.ts";

/** A Money string ("49.0000") as integer cents (rounded half up). */
export function moneyToCents(m: string): number {
  return Number((toUnits(m) + 50n) / 100n);
}

/** price per minute / 60, as a decimal string with at most 10 decimals (Lago takes decimal strings). */
export function perSecondPrice(pricePerMinute: string): string {
  const perSecond = (toUnits(pricePerMinute) * 1_000_000n) / 60n; // 1e-10 units
  const whole = perSecond / 10_000_000_000n;
  const frac = (perSecond % 10_000_000_000n).toString().padStart(10, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

export function lagoPlanInput(plan: PlanRow, metricLagoId: string): PlanInput {
  const includedSeconds = plan.includedMinutes * 60;
  const overage = plan.overagePricePerMinute ? perSecondPrice(plan.overagePricePerMinute) : "0";
  const graduated_ranges =
    includedSeconds > 0
      ? [
          { from_value: 0, to_value: includedSeconds, flat_amount: "0", per_unit_amount: "0" },
          { from_value: includedSeconds + 1, to_value: null, flat_amount: "0", per_unit_amount: overage },
        ]
      : [{ from_value: 0, to_value: null, flat_amount: "0", per_unit_amount: overage }];
  return {
    name: plan.name,
    code: plan.code,
    interval: plan.interval,
    description: plan.description || null,
    amount_cents: moneyToCents(plan.price),
    amount_currency: plan.currency as PlanInput["amount_currency"],
    pay_in_advance: false,
    charges: [{ billable_metric_id: metricLagoId, charge_model: "graduated", pay_in_advance: false, invoiceable: true, properties: { graduated_ranges } }],
  };
}

export interface ProvisionResult {
  metric: { code: string; lagoId: string };
  plans: { code: string; result: "created" | "updated" }[];
}

/** Creates or updates the metric and every plan that is not archived, in code order. */
export async function provisionLago(db: Db, client: LagoClient, metricCode: string): Promise<ProvisionResult> {
  const lagoId = await client.upsertBillableMetric({
    name: "Voice seconds",
    code: metricCode,
    description: "Billable seconds of voice sessions (after each plan's rounding), summed",
    aggregation_type: "sum_agg",
    field_name: "billable_seconds",
    recurring: false,
  });
  const rows = await db.select().from(plans).where(eq(plans.archived, false)).orderBy(asc(plans.code));
  const out: ProvisionResult["plans"] = [];
  for (const plan of rows) out.push({ code: plan.code, result: await client.upsertPlan(lagoPlanInput(plan, lagoId)) });
  return { metric: { code: metricCode, lagoId }, plans: out };
}
