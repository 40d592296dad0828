// The lines of a local-ledger statement, from a plan and the billable seconds of one period: the
// subscription fee, the included minutes (at 0.00) and the overage. Pure: close.ts stores what this
// returns, render.ts prints it. Amounts have 2 decimals, rounded half up once, from the exact
// product of price and seconds (rounding to 1e-4 first and then to cents would round twice).
import type { InvoiceLineJson } from "@speaknode/db";
import { addMoney, formatMoney, fromUnits, plainMoney, toUnits } from "../money.ts";
import type { PlanRow } from "../plans.ts";

/** What a statement needs of a plan (a PlanRow has it all). */
export type StatementPlan = Pick<PlanRow, "name" | "interval" | "price" | "includedMinutes" | "overagePricePerMinute" | "rounding">;

export interface StatementLines {
  lines: InvoiceLineJson[];
  /** The sum of the lines' amounts, 2 decimals. */
  total: string;
}

/** 1e-4 units per cent. */
const unitsPerCent = 100n;

/** price × seconds / 60 in cents, rounded half up once (amounts are never negative). */
function chargeOf(pricePerMinute: string, seconds: number): string {
  const numerator = toUnits(pricePerMinute) * BigInt(seconds);
  const denominator = 60n * unitsPerCent;
  const cents = (numerator * 2n + denominator) / (denominator * 2n);
  return formatMoney(fromUnits(cents * unitsPerCent), 2);
}

/** Seconds as minutes: whole when they are, else 4 decimals (half up) without trailing zeros. */
export function minutesText(seconds: number): string {
  if (seconds % 60 === 0) return String(seconds / 60);
  const tenThousandths = Math.floor((seconds * 10_000 * 2 + 60) / 120);
  const whole = Math.floor(tenThousandths / 10_000);
  const frac = String(tenThousandths % 10_000).padStart(4, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}

/**
 * The statement of a period on `plan` with `usedSeconds` billable seconds (each call already
 * rounded by the rule it was recorded under). Per-second plans bill the overage in fractional
 * minutes; per-call-minute plans in whole minutes (rounded up: a no-op for seconds recorded under
 * that rule, which are whole minutes already). A hard-stop plan (no overage price) has no overage
 * line: seconds past its minutes come only from calls that were never cut, and are not billed.
 */
export function statementLines(plan: StatementPlan, usedSeconds: number): StatementLines {
  if (!Number.isInteger(usedSeconds) || usedSeconds < 0) throw new RangeError("usedSeconds must be a whole number ≥ 0");
  const lines: InvoiceLineJson[] = [
    {
      kind: "subscription",
      description: `${plan.name} plan, ${plan.interval} subscription`,
      quantity: "1",
      unit: "period",
      unitPrice: plainMoney(plan.price),
      amount: formatMoney(plan.price, 2),
    },
  ];
  const includedSeconds = plan.includedMinutes * 60;
  if (includedSeconds > 0) {
    const covered = Math.min(usedSeconds, includedSeconds);
    lines.push({
      kind: "included_minutes",
      description: `Voice minutes included in the plan (${minutesText(covered)} of ${plan.includedMinutes} used)`,
      quantity: minutesText(covered),
      unit: "minute",
      unitPrice: "0.00",
      amount: "0.00",
    });
  }
  const pastIncluded = usedSeconds - includedSeconds;
  if (plan.overagePricePerMinute !== null && pastIncluded > 0) {
    const billed = plan.rounding === "per_call_minute" ? Math.ceil(pastIncluded / 60) * 60 : pastIncluded;
    lines.push({
      kind: "overage",
      description: `Voice minutes past the ${plan.includedMinutes} included`,
      quantity: minutesText(billed),
      unit: "minute",
      unitPrice: plainMoney(plan.overagePricePerMinute),
      amount: chargeOf(plan.overagePricePerMinute, billed),
    });
  }
  return { lines, total: formatMoney(addMoney(...lines.map((l) => l.amount)), 2) };
}
