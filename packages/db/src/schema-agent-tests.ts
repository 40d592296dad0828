// Agent regression tests: an agent's test cases, the runs of them against one of its versions, and
// each case's result per repeat. A run keeps the cases as they were when it started, so editing a
// case never rewrites history; a result is keyed by (run, case, iteration), so a retried write of
// the same result changes nothing.
import { boolean, index, integer, json, jsonb, pgTable, primaryKey, text, varchar } from "drizzle-orm/pg-core";
import { spaces, users } from "./schema.ts";
import { agents } from "./schema-agents.ts";
import { createdAt, tz, updatedAt } from "./columns.ts";

export const agentTestCases = pgTable(
  "agent_test_cases",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    /** Publishing runs the required cases first. */
    required: boolean("required").notNull().default(false),
    /** contracts' testCaseShape without name and required: caller, variables, language, channel, mocks, expectations (`json`: kept as written). */
    spec: json("spec").$type<Record<string, unknown>>().notNull(),
    /** The session it was saved from (kept as text: sessions may be deleted). */
    sourceSessionId: text("source_session_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("agent_test_cases_agent_idx").on(t.agentId, t.createdAt)],
);

export const agentTestRuns = pgTable(
  "agent_test_runs",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    /** The published version run; null for the draft (then `draftVersion`, the agent's version counter then). */
    agentVersion: integer("agent_version"),
    draftVersion: integer("draft_version"),
    mode: varchar("mode", { length: 10 }).notNull(),
    repeat: integer("repeat").notNull().default(1),
    /** manual (dashboard), publish (the gate), api. */
    trigger: varchar("trigger", { length: 10 }).notNull(),
    /** queued, running, passed, failed, error. */
    status: varchar("status", { length: 10 }).notNull().default("queued"),
    reason: varchar("reason", { length: 1000 }),
    /** The cases as they were when the run was made (contracts' RunnableTestCase[]). */
    cases: json("cases").$type<Record<string, unknown>[]>().notNull(),
    total: integer("total").notNull(),
    passed: integer("passed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    startedAt: tz("started_at"),
    finishedAt: tz("finished_at"),
  },
  (t) => [index("agent_test_runs_agent_idx").on(t.agentId, t.createdAt), index("agent_test_runs_status_idx").on(t.status, t.createdAt)],
);

export const agentTestResults = pgTable(
  "agent_test_results",
  {
    runId: text("run_id")
      .notNull()
      .references(() => agentTestRuns.id, { onDelete: "cascade" }),
    caseId: text("case_id").notNull(),
    iteration: integer("iteration").notNull(),
    /** passed, failed, skipped, error. */
    status: varchar("status", { length: 10 }).notNull(),
    /** contracts' TestCaseOutcome (transcript, tool calls, failures, verdicts): personal data of a test, never logged. */
    outcome: jsonb("outcome").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.caseId, t.iteration] })],
);
