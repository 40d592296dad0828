// Billing shapes for the dashboard's tests: the seeded plans' terms, and an overview of a space
// part-way through a period (every field as the API sends it).
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { BillingOverview, BillingUsage, Invoice, Plan, Subscription } from "../../../packages/contracts/src/billing.ts";

const at = "2026-12-01T00:00:00.000Z";

export function planFixture(patch: Partial<Plan> = {}): Plan {
  return {
    id: newId("plan"),
    code: "free",
    name: "Free",
    description: "Try Speaknode.",
    currency: "USD",
    interval: "monthly",
    price: "0.00",
    includedMinutes: 60,
    overagePricePerMinute: null,
    rounding: "per_call_minute",
    features: { telephony: true, campaigns: false, byoProviderKeys: false },
    limits: { agents: 3, phoneNumbers: 1, concurrentCalls: 2, campaigns: 0 },
    archived: false,
    createdAt: at,
    updatedAt: at,
    ...patch,
  };
}

export const proPlan = (patch: Partial<Plan> = {}) =>
  planFixture({
    code: "pro",
    name: "Pro",
    price: "49.00",
    includedMinutes: 1000,
    overagePricePerMinute: "0.05",
    rounding: "per_second",
    features: { telephony: true, campaigns: true, byoProviderKeys: true },
    limits: { agents: 25, phoneNumbers: 10, concurrentCalls: 20, campaigns: 50 },
    ...patch,
  });

/** Usage 10 days into December 2026 (UTC): `usedMinutes` of `includedMinutes`. */
export function usageFixture(usedMinutes: number, includedMinutes: number, patch: Partial<BillingUsage> = {}): BillingUsage {
  const projected = Math.round(((usedMinutes * 31) / 10) * 10) / 10;
  return {
    periodStart: "2026-12-01T00:00:00.000Z",
    periodEnd: "2027-01-01T00:00:00.000Z",
    usedSeconds: Math.round(usedMinutes * 60),
    usedMinutes,
    includedMinutes,
    remainingMinutes: Math.max(0, includedMinutes - usedMinutes),
    overageMinutes: Math.max(0, usedMinutes - includedMinutes),
    overageAmount: "0.00",
    projectedMinutes: projected,
    liveSessions: 0,
    concurrentLimit: 2,
    byDay: [
      { day: "2026-12-01", seconds: 0, sessions: 0 },
      { day: "2026-12-02", seconds: Math.round(usedMinutes * 60), sessions: 3 },
    ],
    byAgent: [{ agentId: newId("agent"), agentName: "Support", seconds: Math.round(usedMinutes * 60), sessions: 3 }],
    source: "ledger",
    ...patch,
  };
}

export function subscriptionFixture(spaceId: string, plan: Plan, patch: Partial<Subscription> = {}): Subscription {
  return { spaceId, plan, status: "active", timeZone: "UTC", currentPeriodStart: "2026-12-01T00:00:00.000Z", currentPeriodEnd: "2027-01-01T00:00:00.000Z", pending: null, explicit: true, ...patch };
}

export function overviewFixture(spaceId: string, plan: Plan = planFixture(), usage: BillingUsage = usageFixture(12, plan.includedMinutes)): BillingOverview {
  return { driver: "ledger", subscription: subscriptionFixture(spaceId, plan), usage, counts: { agents: 3, phoneNumbers: 0, campaigns: 0 }, paymentMethod: "none" };
}

export function invoiceFixture(spaceId: string, patch: Partial<Invoice> = {}): Invoice {
  const id = newId("invoice");
  return {
    id,
    spaceId,
    source: "ledger",
    number: "SN-2026-000001",
    status: "open",
    periodStart: "2026-11-01T00:00:00.000Z",
    periodEnd: "2026-12-01T00:00:00.000Z",
    currency: "USD",
    planName: "Pro",
    lines: [],
    usedSeconds: 600,
    total: "49.00",
    issuedAt: at,
    downloadUrl: `/v1/invoices/${id}/download`,
    ...patch,
  };
}
