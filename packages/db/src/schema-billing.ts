// Billing in voice minutes: the platform's plans, each space's subscription, one usage row per
// billable session (recorded once when it ends, keyed by the session id), the period statements of
// the local ledger and the invoices Lago reports, the usage alerts sent per period, and the domain
// events other parts (webhooks) deliver. Money is numeric(12,4) in the plan's currency, read as a
// decimal string; time is timestamptz.
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, numeric, pgEnum, pgTable, primaryKey, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { spaces } from "./schema.ts";
import { createdAt, tz, updatedAt } from "./columns.ts";

export const billingInterval = pgEnum("billing_interval", ["monthly", "yearly"]);
/** per_call_minute: each call rounded up to the whole minute; per_second: each call to the second. */
export const roundingRule = pgEnum("rounding_rule", ["per_call_minute", "per_second"]);
export const subscriptionStatus = pgEnum("subscription_status", ["active", "past_due", "canceled"]);
export const invoiceStatus = pgEnum("invoice_status", ["draft", "open", "paid", "failed", "void"]);
export const invoiceSource = pgEnum("invoice_source", ["ledger", "lago"]);

/** What a plan's space may use; a missing limit means none. */
export interface PlanFeaturesJson {
  telephony: boolean;
  campaigns: boolean;
  byoProviderKeys: boolean;
}
export interface PlanLimitsJson {
  /** null: no limit. */
  agents: number | null;
  phoneNumbers: number | null;
  /** Live sessions of the space at once over every channel (tests aside). */
  concurrentCalls: number | null;
  /** Campaigns that exist (drafts and finished ones included) in the space. */
  campaigns: number | null;
}

export const plans = pgTable(
  "plans",
  {
    id: text("id").primaryKey(),
    /** Stable slug (`free`, `pro`); the Lago plan code in production. */
    code: varchar("code", { length: 60 }).notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    description: varchar("description", { length: 500 }).notNull().default(""),
    /** ISO 4217. */
    currency: varchar("currency", { length: 3 }).notNull(),
    interval: billingInterval("interval").notNull(),
    /** The subscription fee per period. */
    price: numeric("price", { precision: 12, scale: 4 }).notNull(),
    includedMinutes: integer("included_minutes").notNull(),
    /** Price per minute past the included ones; null: no overage, dispatch stops (402). */
    overagePricePerMinute: numeric("overage_price_per_minute", { precision: 12, scale: 4 }),
    rounding: roundingRule("rounding").notNull(),
    features: jsonb("features").$type<PlanFeaturesJson>().notNull(),
    limits: jsonb("limits").$type<PlanLimitsJson>().notNull(),
    /** Hidden from the plan picker; spaces already on it stay. */
    archived: boolean("archived").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("plans_code_uq").on(t.code)],
);

/**
 * A space's plan. A space without a row is on the configured default plan (BILLING_DEFAULT_PLAN)
 * in UTC; the row is written the first time its plan changes. Periods are calendar months (or
 * years) in `timeZone`, like Lago's calendar billing.
 */
export const subscriptions = pgTable("subscriptions", {
  spaceId: text("space_id")
    .primaryKey()
    .references(() => spaces.id, { onDelete: "cascade" }),
  planId: text("plan_id")
    .notNull()
    .references(() => plans.id),
  status: subscriptionStatus("status").notNull().default("active"),
  /** IANA zone the periods start in (midnight of the 1st). */
  timeZone: varchar("time_zone", { length: 64 }).notNull().default("UTC"),
  /** A change chosen for the end of the period: applied when `pendingEffectiveAt` has passed. */
  pendingPlanId: text("pending_plan_id").references(() => plans.id),
  pendingEffectiveAt: tz("pending_effective_at"),
  startedAt: tz("started_at").notNull().defaultNow(),
  /** Lago: the plan code the Lago subscription was last set to, and when (null: not yet synced). */
  lagoPlanCode: varchar("lago_plan_code", { length: 60 }),
  lagoSyncedAt: tz("lago_synced_at"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * One row per billable session, written once when it ends (the session id is the key: a replayed
 * end changes nothing). Kept when the session row goes (history of what was billed), deleted with
 * the space.
 */
export const usageRecords = pgTable(
  "usage_records",
  {
    sessionId: text("session_id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    agentId: text("agent_id"),
    /** The session's channel (api, widget, web, phone, campaign) and, for calls, the direction. */
    channel: varchar("channel", { length: 20 }).notNull(),
    direction: varchar("direction", { length: 10 }),
    startedAt: tz("started_at").notNull(),
    endedAt: tz("ended_at").notNull(),
    /** Active → end, whole seconds rounded up. */
    rawSeconds: integer("raw_seconds").notNull(),
    /** After the plan's rounding rule. */
    billableSeconds: integer("billable_seconds").notNull(),
    planId: text("plan_id").notNull(),
    /** The start of the billing period the session ended in. */
    periodStart: tz("period_start").notNull(),
    recordedAt: createdAt(),
    /** Lago: when the usage event was accepted (null: not sent yet, or the local ledger only). */
    lagoSentAt: tz("lago_sent_at"),
    lagoAttempts: integer("lago_attempts").notNull().default(0),
    lagoLastError: varchar("lago_last_error", { length: 500 }),
  },
  (t) => [
    index("usage_records_space_period_idx").on(t.spaceId, t.periodStart, t.endedAt),
    index("usage_records_lago_unsent_idx").on(t.recordedAt).where(sql`${t.lagoSentAt} is null`),
  ],
);

/** One invoice line: the subscription fee, the included minutes, the overage. */
export interface InvoiceLineJson {
  kind: "subscription" | "included_minutes" | "overage" | "lago";
  description: string;
  quantity: string;
  unit: "period" | "minute" | "unit";
  unitPrice: string;
  amount: string;
}

/**
 * Invoices: the local ledger's period statements (numbered and immutable once written at the
 * close of their period) and the invoices Lago reports through its webhooks.
 */
export const invoices = pgTable(
  "invoices",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    source: invoiceSource("source").notNull(),
    /** Ledger: SN-YYYY-NNNNNN from billing_invoice_number_seq; Lago: its own number. */
    number: varchar("number", { length: 60 }).notNull(),
    status: invoiceStatus("status").notNull(),
    periodStart: tz("period_start").notNull(),
    periodEnd: tz("period_end").notNull(),
    currency: varchar("currency", { length: 3 }).notNull(),
    planId: text("plan_id"),
    planName: varchar("plan_name", { length: 100 }),
    lines: jsonb("lines").$type<InvoiceLineJson[]>().notNull(),
    usedSeconds: integer("used_seconds").notNull().default(0),
    total: numeric("total", { precision: 12, scale: 4 }).notNull(),
    issuedAt: tz("issued_at").notNull(),
    lagoInvoiceId: varchar("lago_invoice_id", { length: 100 }),
    /** Lago's PDF (file_url); the ledger renders its own. */
    pdfUrl: varchar("pdf_url", { length: 2000 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("invoices_number_uq").on(t.source, t.number),
    // One ledger statement per space and period: closing twice writes nothing new.
    uniqueIndex("invoices_ledger_period_uq").on(t.spaceId, t.periodStart).where(sql`${t.source} = 'ledger'`),
    uniqueIndex("invoices_lago_id_uq").on(t.lagoInvoiceId),
    index("invoices_space_issued_idx").on(t.spaceId, t.issuedAt),
  ],
);

/** Usage alerts sent: one per space, period and threshold (80, 100 % of included minutes). */
export const usageAlerts = pgTable(
  "usage_alerts",
  {
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    periodStart: tz("period_start").notNull(),
    thresholdPercent: integer("threshold_percent").notNull(),
    usedSeconds: integer("used_seconds").notNull(),
    includedSeconds: integer("included_seconds").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.spaceId, t.periodStart, t.thresholdPercent] })],
);

/**
 * Domain events of a space (`session.completed`, `billing.usage_threshold`, …), written in the transaction of
 * the change they describe; the webhooks delivery reads them from here.
 */
export const domainEvents = pgTable(
  "domain_events",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    type: varchar("type", { length: 100 }).notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    /** What makes the event unique (`session.completed:ses_…`): emitting it again inserts nothing. */
    key: varchar("key", { length: 200 }),
    /** When its deliveries were created (null: not yet; the cron sweep fans out what was missed). */
    fannedOutAt: tz("fanned_out_at"),
    occurredAt: createdAt(),
  },
  (t) => [
    index("domain_events_space_idx").on(t.spaceId, t.occurredAt),
    uniqueIndex("domain_events_key_idx").on(t.key),
    index("domain_events_unsent_idx").on(t.occurredAt).where(sql`fanned_out_at is null`),
  ],
);
