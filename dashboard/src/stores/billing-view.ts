// What the Billing pages show, derived without a DOM so it is tested in Node: money and minutes in
// words, how much of the included minutes is used and what happens next (a hard stop or overage),
// the projection to the period's end, the plan's limits against the space's counts, a plan's terms
// in one line each, the plans an Owner may move to, and invoice status badges.
import type { BillingUsage, Invoice, Plan, PlanFeatures, PlanLimits, Subscription } from "../../../packages/contracts/src/billing.ts";

/** "$49.00", "$0.05", "$0.0125" (4 decimals at most, as the API's amounts). */
export function formatMoney(amount: string, currency: string): string {
  const value = Number(amount);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(value);
  } catch {
    return `${amount} ${currency}`; // a code Intl does not know
  }
}

/** "0 min", "12.5 min", "1,000 min". */
export function formatMinutes(minutes: number): string {
  const rounded = Math.round(minutes * 10) / 10;
  return `${rounded.toLocaleString("en-US", { maximumFractionDigits: 1 })} min`;
}

/** A day or instant in the space's billing time zone: "Jan 1, 2027". */
export function formatBillingDate(iso: string, timeZone: string): string {
  try {
    return new Date(iso).toLocaleDateString("en-US", { dateStyle: "medium", timeZone });
  } catch {
    return new Date(iso).toLocaleDateString("en-US", { dateStyle: "medium", timeZone: "UTC" });
  }
}

export type UsageState = "ok" | "warning" | "exhausted" | "overage";

export interface UsageGauge {
  /** Share of the included minutes used, 0 to 1 (capped: the bar never overflows). */
  share: number;
  /** Whole percent used (may pass 100 with overage). */
  percent: number | null;
  state: UsageState;
  /** One sentence on what the state means for calls. */
  headline: string;
}

/** How the period stands: under 80 %, past it, spent on a hard-stop plan, or into overage. */
export function usageGauge(usage: BillingUsage, plan: Plan): UsageGauge {
  const included = usage.includedMinutes;
  const percent = included > 0 ? Math.floor((usage.usedMinutes / included) * 100) : null;
  const share = included > 0 ? Math.min(1, usage.usedMinutes / included) : usage.usedMinutes > 0 ? 1 : 0;
  const spent = usage.usedMinutes >= included;
  if (spent && plan.overagePricePerMinute === null) {
    return { share, percent, state: "exhausted", headline: `The ${included.toLocaleString("en-US")} included minutes are spent: new calls are refused until the period ends or the plan changes.` };
  }
  if (spent && usage.usedMinutes > included) {
    return { share, percent, state: "overage", headline: `${formatMinutes(usage.overageMinutes)} past the included minutes, billed at ${formatMoney(plan.overagePricePerMinute ?? "0", plan.currency)} a minute: ${formatMoney(usage.overageAmount, plan.currency)} so far.` };
  }
  if (percent !== null && percent >= 80) return { share, percent, state: "warning", headline: `${percent}% of the included minutes used.` };
  return { share, percent, state: "ok", headline: `${formatMinutes(usage.remainingMinutes)} of ${formatMinutes(included)} left this period.` };
}

export interface Projection {
  projectedMinutes: number;
  /** Past the included minutes by the period's end at this pace. */
  exceeds: boolean;
  /** A hard-stop plan: when the minutes run out at this pace (null: they last, or nothing used yet). */
  runsOutAt: Date | null;
  /** With overage: what the projected minutes past the included ones would cost. */
  projectedOverage: string | null;
  sentence: string;
}

/** The period's end at the pace so far, in words. */
export function projection(usage: BillingUsage, plan: Plan, timeZone: string, now: Date = new Date()): Projection {
  const projected = usage.projectedMinutes;
  const included = usage.includedMinutes;
  const exceeds = projected > included;
  // The period's last day (its end is the next period's first instant).
  const end = formatBillingDate(new Date(Date.parse(usage.periodEnd) - 1).toISOString(), timeZone);
  const base = { projectedMinutes: projected, exceeds, runsOutAt: null, projectedOverage: null };
  if (usage.usedMinutes === 0) return { ...base, sentence: `Nothing used yet this period (it ends ${end}).` };
  const pace = `At this pace: about ${formatMinutes(projected)} by ${end}`;
  if (!exceeds) return { ...base, sentence: `${pace}, within the ${included.toLocaleString("en-US")} included minutes.` };
  if (plan.overagePricePerMinute === null) {
    const start = Date.parse(usage.periodStart);
    const elapsed = now.getTime() - start;
    const runsOutAt = usage.usedMinutes < included && elapsed > 0 ? new Date(start + (elapsed * included) / usage.usedMinutes) : null;
    const when = runsOutAt ? `they run out around ${formatBillingDate(runsOutAt.toISOString(), timeZone)}` : "they are spent";
    return { ...base, runsOutAt, sentence: `${pace}: more than the ${included.toLocaleString("en-US")} included minutes; ${when}, and this plan has no overage.` };
  }
  const cents = Math.round((projected - included) * Number(plan.overagePricePerMinute) * 100) / 100;
  const projectedOverage = cents.toFixed(2);
  return { ...base, projectedOverage, sentence: `${pace}: about ${formatMoney(projectedOverage, plan.currency)} of overage on top of the plan's fee.` };
}

export interface LimitRow {
  key: keyof PlanLimits;
  label: string;
  used: number;
  limit: number | null;
  /** At or past the limit: creating more (or another call at once) is refused. */
  reached: boolean;
}

const limitLabels: Record<keyof PlanLimits, string> = { agents: "Agents", phoneNumbers: "Phone numbers", campaigns: "Campaigns", concurrentCalls: "Calls at once" };

/** The plan's limits beside what the space has (live sessions for calls at once). */
export function limitRows(limits: PlanLimits, counts: { agents: number; phoneNumbers: number; campaigns: number }, liveSessions: number): LimitRow[] {
  const used: Record<keyof PlanLimits, number> = { ...counts, concurrentCalls: liveSessions };
  return (Object.keys(limitLabels) as (keyof PlanLimits)[]).map((key) => {
    const limit = limits[key];
    return { key, label: limitLabels[key], used: used[key], limit, reached: limit !== null && used[key] >= limit };
  });
}

export const formatLimit = (limit: number | null) => (limit === null ? "Unlimited" : limit.toLocaleString("en-US"));

const featureLabels: Record<keyof PlanFeatures, string> = { telephony: "Telephony", campaigns: "Campaigns", byoProviderKeys: "Your own provider keys" };

export function featureList(features: PlanFeatures): { key: keyof PlanFeatures; label: string; included: boolean }[] {
  return (Object.keys(featureLabels) as (keyof PlanFeatures)[]).map((key) => ({ key, label: featureLabels[key], included: features[key] }));
}

/** A plan's terms, one short line each: fee, included minutes, past them, rounding. */
export function planTerms(plan: Plan): { price: string; included: string; overage: string; rounding: string } {
  const per = plan.interval === "monthly" ? "month" : "year";
  return {
    price: `${formatMoney(plan.price, plan.currency)} / ${per}`,
    included: `${plan.includedMinutes.toLocaleString("en-US")} min included`,
    overage: plan.overagePricePerMinute === null ? "No overage: calls stop when the minutes are spent" : `then ${formatMoney(plan.overagePricePerMinute, plan.currency)} / min`,
    rounding: plan.rounding === "per_second" ? "Billed per second" : "Each call rounded up to the minute",
  };
}

/** The plans an Owner may choose: not archived, cheapest first; the current one stays, marked. */
export function planChoices(plans: readonly Plan[], subscription: Subscription): { plan: Plan; current: boolean; pending: boolean }[] {
  return plans
    .filter((p) => !p.archived || p.id === subscription.plan.id)
    .sort((a, b) => Number(a.price) - Number(b.price) || a.includedMinutes - b.includedMinutes || a.name.localeCompare(b.name))
    .map((plan) => ({ plan, current: plan.id === subscription.plan.id, pending: plan.id === subscription.pending?.plan.id }));
}

/** What "Change plan" will do, in one sentence, or why it cannot be sent. */
export function changeSummary(subscription: Subscription, planId: string | null, effective: "now" | "period_end", plans: readonly Plan[]): { ok: boolean; sentence: string } {
  const next = plans.find((p) => p.id === planId);
  if (!next) return { ok: false, sentence: "Choose a plan." };
  if (next.id === subscription.plan.id && effective === "now") return { ok: false, sentence: `${next.name} is the current plan.` };
  if (next.id === subscription.pending?.plan.id && effective === "period_end") return { ok: false, sentence: `${next.name} is already chosen for the end of the period.` };
  if (effective === "now") return { ok: true, sentence: `Moves from ${subscription.plan.name} to ${next.name} now: this period's usage so far counts against ${next.name}'s minutes and limits.` };
  const at = formatBillingDate(subscription.currentPeriodEnd, subscription.timeZone);
  if (next.id === subscription.plan.id) return { ok: true, sentence: `Stays on ${next.name} after ${at}, replacing the pending change.` };
  return { ok: true, sentence: `Moves from ${subscription.plan.name} to ${next.name} on ${at}, when this period ends.` };
}

const invoiceBadges: Record<Invoice["status"], { label: string; className: string }> = {
  draft: { label: "Draft", className: "badge" },
  open: { label: "Open", className: "badge warn" },
  paid: { label: "Paid", className: "badge ok" },
  failed: { label: "Payment failed", className: "badge danger" },
  void: { label: "Void", className: "badge void" },
};

export const invoiceBadge = (status: Invoice["status"]) => invoiceBadges[status];

/** The usage chart's days and minutes (from the API's billable seconds). */
export function usageByDayChart(usage: BillingUsage): { days: string[]; minutes: number[]; sessions: number[] } {
  return { days: usage.byDay.map((d) => d.day), minutes: usage.byDay.map((d) => d.seconds / 60), sessions: usage.byDay.map((d) => d.sessions) };
}
