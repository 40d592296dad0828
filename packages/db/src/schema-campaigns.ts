// Outbound campaigns: a list of contacts (items) an agent calls within calling windows, each call an
// attempt with its own session. Postgres is the system of record of items and attempts; the
// CampaignRunner Durable Object (one per campaign) schedules and dials them, and the unique
// (item, attempt number) pair is the last line against a double dial.
import { index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { spaces, users } from "./schema.ts";
import { agents } from "./schema-agents.ts";
import { createdAt, tz, updatedAt } from "./columns.ts";

export const campaignStatus = pgEnum("campaign_status", ["draft", "running", "paused", "completed", "cancelled"]);
export const campaignItemStatus = pgEnum("campaign_item_status", ["pending", "scheduled", "in_progress", "completed", "failed", "skipped", "cancelled"]);

export const campaigns = pgTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    /** The agent's published version, pinned when the campaign is launched; null while a draft. */
    agentVersion: integer("agent_version"),
    name: varchar("name", { length: 200 }).notNull(),
    status: campaignStatus("status").notNull().default("draft"),
    /** CampaignSettings (contracts): numbers, schedule, windows, limits, retries, voicemail. */
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull(),
    /** ContactMapping (contracts): which columns hold the phone, the variables and the time zone. */
    contactMapping: jsonb("contact_mapping").$type<Record<string, unknown>>(),
    /** How a cancel treats live calls: `finish` lets them end, `end_calls` hangs them up. */
    cancelMode: varchar("cancel_mode", { length: 20 }),
    itemCount: integer("item_count").notNull().default(0),
    version: integer("version").notNull().default(1),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    launchedAt: tz("launched_at"),
    endedAt: tz("ended_at"),
  },
  (t) => [index("campaigns_space_created_idx").on(t.spaceId, t.createdAt), index("campaigns_status_idx").on(t.status)],
);

export const campaignItems = pgTable(
  "campaign_items",
  {
    id: text("id").primaryKey(),
    campaignId: text("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    spaceId: text("space_id").notNull(),
    /** The row of the uploaded file it came from (1 = the first data row), across uploads. */
    rowNumber: integer("row_number").notNull(),
    /** E.164; personal data, never logged. */
    phone: varchar("phone", { length: 16 }).notNull(),
    variables: jsonb("variables").$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    /** IANA zone the calling windows are read in; null = the campaign's default zone. */
    timeZone: varchar("time_zone", { length: 64 }),
    status: campaignItemStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** When the item may next be dialled (windows and retry backoff applied); null once final. */
    nextAttemptAt: tz("next_attempt_at"),
    /** The outcome of the latest attempt (completed, voicemail, no_answer, busy, failed, not_placed, cancelled). */
    lastOutcome: varchar("last_outcome", { length: 20 }),
    lastError: varchar("last_error", { length: 500 }),
    lastSessionId: text("last_session_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("campaign_items_due_idx").on(t.campaignId, t.status, t.nextAttemptAt),
    index("campaign_items_row_idx").on(t.campaignId, t.rowNumber),
    index("campaign_items_phone_idx").on(t.campaignId, t.phone),
  ],
);

export const campaignAttempts = pgTable(
  "campaign_attempts",
  {
    /** Also the attempt's idempotency key: a retried dial of one attempt never places a second call. */
    id: text("id").primaryKey(),
    campaignId: text("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    itemId: text("item_id")
      .notNull()
      .references(() => campaignItems.id, { onDelete: "cascade" }),
    /** 1 for the first call of the item, 2 for its first retry… */
    attemptNumber: integer("attempt_number").notNull(),
    /** created → dialing (claimed for the one provider request) → ended. */
    state: varchar("state", { length: 20 }).notNull().default("created"),
    sessionId: text("session_id"),
    phoneNumberId: text("phone_number_id"),
    outcome: varchar("outcome", { length: 20 }),
    error: varchar("error", { length: 500 }),
    durationS: integer("duration_s"),
    createdAt: createdAt(),
    dialedAt: tz("dialed_at"),
    endedAt: tz("ended_at"),
  },
  (t) => [
    uniqueIndex("campaign_attempts_item_number_uq").on(t.itemId, t.attemptNumber),
    uniqueIndex("campaign_attempts_session_uq").on(t.sessionId),
    index("campaign_attempts_campaign_idx").on(t.campaignId, t.state),
  ],
);
