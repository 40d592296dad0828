// API shapes of billing: plans (the platform Admin manages them), a space's subscription and the
// usage of its current period in voice minutes, invoices (the local ledger's period statements or
// Lago's), and the usage event the billing queue carries. Money is a decimal string in the plan's
// currency ("49.00", "0.0500"), never a float.
import { z } from "zod";
import { text, urlText } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { TimeZoneName } from "./campaigns.ts";

/** A non-negative amount with at most 4 decimals. */
export const Money = text()
  .regex(/^\d{1,8}(\.\d{1,4})?$/, "must be an amount like 49 or 0.05 (at most 4 decimals)")
  .meta({ id: "Money", example: "0.05" });
export const CurrencyCode = text().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD").meta({ id: "CurrencyCode", example: "USD" });
export const BillingInterval = z.enum(["monthly", "yearly"]).meta({ id: "BillingInterval" });
export type BillingInterval = z.infer<typeof BillingInterval>;
/** per_call_minute: each call is rounded up to the whole minute; per_second: to the second. */
export const RoundingRule = z.enum(["per_call_minute", "per_second"]).meta({ id: "RoundingRule" });
export type RoundingRule = z.infer<typeof RoundingRule>;

export const PlanFeatures = z
  .strictObject({
    /** Phone numbers, telephony connections and calls. */
    telephony: z.boolean(),
    campaigns: z.boolean(),
    /** The space's own provider keys (per-space provider credentials). */
    byoProviderKeys: z.boolean(),
  })
  .meta({ id: "PlanFeatures" });
export type PlanFeatures = z.infer<typeof PlanFeatures>;

const limit = z.number().int().min(0).max(1_000_000).nullable();
/** null: no limit. */
export const PlanLimits = z
  .strictObject({
    agents: limit,
    phoneNumbers: limit,
    /** Live sessions of the space at once, over every channel (dashboard tests aside). */
    concurrentCalls: limit,
    campaigns: limit,
  })
  .meta({ id: "PlanLimits" });
export type PlanLimits = z.infer<typeof PlanLimits>;

export const PlanCode = text().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/, "lowercase letters, digits, - and _ (at most 60)");

export const Plan = z
  .object({
    id: idSchema("plan"),
    code: text(),
    name: text(),
    description: text(),
    currency: CurrencyCode,
    interval: BillingInterval,
    /** Subscription fee per period. */
    price: Money,
    includedMinutes: z.number().int(),
    /** null: no overage; dispatch is refused with 402 minutes_exhausted once the minutes are spent. */
    overagePricePerMinute: Money.nullable(),
    rounding: RoundingRule,
    features: PlanFeatures,
    limits: PlanLimits,
    archived: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Plan" });
export type Plan = z.infer<typeof Plan>;

export const CreatePlanBody = z
  .strictObject({
    code: PlanCode,
    name: text().trim().min(1).max(100),
    description: text().max(500).default(""),
    currency: CurrencyCode.default("USD"),
    interval: BillingInterval.default("monthly"),
    price: Money,
    includedMinutes: z.number().int().min(0).max(10_000_000),
    overagePricePerMinute: Money.nullable(),
    rounding: RoundingRule.default("per_call_minute"),
    features: PlanFeatures,
    limits: PlanLimits,
  })
  .meta({ id: "CreatePlanBody" });
export type CreatePlanBody = z.infer<typeof CreatePlanBody>;

/** Everything but the code can change; changes apply to every space on the plan from now on
 *  (usage already recorded keeps the rounding it was recorded with). */
export const UpdatePlanBody = z
  .strictObject({
    name: text().trim().min(1).max(100).optional(),
    description: text().max(500).optional(),
    currency: CurrencyCode.optional(),
    interval: BillingInterval.optional(),
    price: Money.optional(),
    includedMinutes: z.number().int().min(0).max(10_000_000).optional(),
    overagePricePerMinute: Money.nullable().optional(),
    rounding: RoundingRule.optional(),
    features: PlanFeatures.optional(),
    limits: PlanLimits.optional(),
    archived: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "must change at least one field")
  .meta({ id: "UpdatePlanBody" });
export type UpdatePlanBody = z.infer<typeof UpdatePlanBody>;

export const BillingDriverName = z.enum(["ledger", "lago"]).meta({ id: "BillingDriverName" });
export type BillingDriverName = z.infer<typeof BillingDriverName>;

export const SubscriptionStatus = z.enum(["active", "past_due", "canceled"]).meta({ id: "SubscriptionStatus" });

export const Subscription = z
  .object({
    spaceId: idSchema("space"),
    plan: Plan,
    status: SubscriptionStatus,
    timeZone: text(),
    currentPeriodStart: Timestamp,
    currentPeriodEnd: Timestamp,
    /** A plan change chosen for the end of the period. */
    pending: z.object({ plan: Plan, effectiveAt: Timestamp }).nullable(),
    /** False while the space is on the platform's default plan and never changed it. */
    explicit: z.boolean(),
  })
  .meta({ id: "Subscription" });
export type Subscription = z.infer<typeof Subscription>;

/**
 * Change the space's plan. `now`: the new plan's minutes and limits apply at once to the current
 * period (usage so far counts against them); `period_end`: at the start of the next period. The
 * local ledger does not prorate (the statement bills the plan in effect when the period closes);
 * Lago prorates in production as its plans are configured.
 */
export const ChangeSubscriptionBody = z
  .strictObject({
    planId: idSchema("plan"),
    effective: z.enum(["now", "period_end"]).default("now"),
    timeZone: TimeZoneName.optional(),
  })
  .meta({ id: "ChangeSubscriptionBody" });
export type ChangeSubscriptionBody = z.infer<typeof ChangeSubscriptionBody>;

export const UsageByDay = z.object({ day: text().meta({ example: "2026-12-04" }), seconds: z.number().int(), sessions: z.number().int() }).meta({ id: "UsageByDay" });
export const UsageByAgent = z
  .object({ agentId: text().nullable(), agentName: text().nullable(), seconds: z.number().int(), sessions: z.number().int() })
  .meta({ id: "UsageByAgent" });

/** The current period's usage: what the dashboard's Billing page shows. */
export const BillingUsage = z
  .object({
    periodStart: Timestamp,
    periodEnd: Timestamp,
    /** Billable seconds recorded this period (after each call's rounding). */
    usedSeconds: z.number().int(),
    usedMinutes: z.number(),
    includedMinutes: z.number().int(),
    remainingMinutes: z.number(),
    /** Minutes past the included ones, and what they cost so far. */
    overageMinutes: z.number(),
    overageAmount: Money,
    /** Used minutes at the end of the period if the pace so far holds. */
    projectedMinutes: z.number(),
    /** Sessions live right now over every channel, and the plan's limit (null: none). */
    liveSessions: z.number().int(),
    concurrentLimit: z.number().int().nullable(),
    /** Days in the space's time zone, oldest first, every day of the period so far. */
    byDay: z.array(UsageByDay),
    byAgent: z.array(UsageByAgent),
    /** Where the figures come from: the local ledger, or Lago's current usage. */
    source: BillingDriverName,
  })
  .meta({ id: "BillingUsage" });
export type BillingUsage = z.infer<typeof BillingUsage>;

/** What the space has used of its plan's limits. */
export const PlanLimitUsage = z
  .object({ agents: z.number().int(), phoneNumbers: z.number().int(), campaigns: z.number().int() })
  .meta({ id: "PlanLimitUsage" });

export const BillingOverview = z
  .object({
    driver: BillingDriverName,
    subscription: Subscription,
    usage: BillingUsage,
    counts: PlanLimitUsage,
    /** `portal`: POST …/billing/portal returns the payment provider's page; `none`: the local ledger
     *  takes no payments (development). */
    paymentMethod: z.enum(["portal", "none"]),
  })
  .meta({ id: "BillingOverview" });
export type BillingOverview = z.infer<typeof BillingOverview>;

export const InvoiceStatus = z.enum(["draft", "open", "paid", "failed", "void"]).meta({ id: "InvoiceStatus" });
export const InvoiceLine = z
  .object({
    kind: z.enum(["subscription", "included_minutes", "overage", "lago"]),
    description: text(),
    quantity: text(),
    unit: z.enum(["period", "minute", "unit"]),
    unitPrice: Money,
    amount: Money,
  })
  .meta({ id: "InvoiceLine" });
export type InvoiceLine = z.infer<typeof InvoiceLine>;

export const Invoice = z
  .object({
    id: idSchema("invoice"),
    spaceId: idSchema("space"),
    source: BillingDriverName,
    number: text(),
    status: InvoiceStatus,
    periodStart: Timestamp,
    periodEnd: Timestamp,
    currency: CurrencyCode,
    planName: text().nullable(),
    lines: z.array(InvoiceLine),
    usedSeconds: z.number().int(),
    total: Money,
    issuedAt: Timestamp,
    /** The ledger's printable statement (GET /v1/invoices/{id}/download, with the bearer token), or
     *  Lago's PDF link itself (a public https link on Lago's storage). */
    downloadUrl: text(),
  })
  .meta({ id: "Invoice" });
export type Invoice = z.infer<typeof Invoice>;

export const InvoiceList = z.object({ data: z.array(Invoice) }).meta({ id: "InvoiceList" });

export const BillingPortal = z.object({ url: urlText() }).meta({ id: "BillingPortal" });

/** The billing queue's message: send this session's usage record to Lago (idempotent on it). */
export const BillingUsageMessage = z.strictObject({ kind: z.literal("usage"), sessionId: idSchema("session") });
export type BillingUsageMessage = z.infer<typeof BillingUsageMessage>;

/** The data of the domain event `billing.usage_threshold`: a space's usage crossed a share of its included minutes this period. */
export const UsageThresholdEvent = z.object({
  thresholdPercent: z.union([z.literal(80), z.literal(100)]),
  periodStart: Timestamp,
  usedMinutes: z.number(),
  includedMinutes: z.number().int(),
});
export type UsageThresholdEvent = z.infer<typeof UsageThresholdEvent>;
