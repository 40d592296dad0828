// Conversations. Postgres is the system of record for their history; the SessionRoom Durable
// Object holds the live state machine and writes through to these rows.
import { index, integer, json, pgEnum, pgTable, text, timestamp, varchar } from "drizzle-orm/pg-core";
import { spaces } from "./schema.ts";
import { agents } from "./schema-agents.ts";

export const sessionStatus = pgEnum("session_status", ["pending", "dispatching", "active", "completed", "failed"]);
export const sessionChannel = pgEnum("session_channel", ["api", "widget", "web", "phone", "campaign"]);

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    /** Kept when the agent is deleted: history outlives configuration. */
    agentId: text("agent_id").references(() => agents.id, { onDelete: "set null" }),
    /** The published version that ran; null when a draft was dispatched (then `draftVersion`). */
    agentVersion: integer("agent_version"),
    draftVersion: integer("draft_version"),
    status: sessionStatus("status").notNull().default("pending"),
    failureReason: varchar("failure_reason", { length: 500 }),
    channel: sessionChannel("channel").notNull(),
    /** Phone number, widget visitor id or API caller id: personal data, never logged. */
    caller: varchar("caller", { length: 200 }),
    language: varchar("language", { length: 35 }).notNull(),
    variables: json("variables").$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    mediaDriver: varchar("media_driver", { length: 20 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    endedAt: timestamp("ended_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("sessions_space_created_idx").on(t.spaceId, t.createdAt), index("sessions_agent_idx").on(t.agentId)],
);
