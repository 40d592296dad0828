// Test cases and runs in the database: rows ↔ API bodies, a case checked against the agent it
// tests (its mocks name the agent's webhook tools, its language and variables fit the agent), and
// a run made with its cases snapshotted, so editing a case never rewrites a run's history.
import type { Context } from "hono";
import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import {
  coerceVariables,
  newId,
  RunnableTestCase,
  SystemToolName,
  TestCase,
  testCaseShape,
  type AgentConfig,
  type CreateTestCaseBody,
  type FieldError,
  type TestMode,
} from "@speaknode/contracts";
import { agentTestCases, agentTestRuns, agentVersions, tools, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import type { AgentRow } from "../agents/store.ts";
import { ApiError, notFound } from "../errors.ts";
import { iso } from "../lib/openapi.ts";

export type TestCaseRow = typeof agentTestCases.$inferSelect;
export type TestRunRow = typeof agentTestRuns.$inferSelect;

/** An agent has at most this many cases (a run of all of them stays within a consumer's reach). */
export const maxCasesPerAgent = 200;

const { name: _name, required: _required, ...specShape } = testCaseShape;
/** What the `spec` column holds: the case without its name and required flag. */
export const TestCaseSpec = z.object(specShape);
export type TestCaseSpec = z.infer<typeof TestCaseSpec>;

export function specOf(body: CreateTestCaseBody): TestCaseSpec {
  const { name: _n, required: _r, ...spec } = body;
  return spec;
}

export function caseBodyOf(row: TestCaseRow): CreateTestCaseBody {
  return { ...TestCaseSpec.parse(row.spec), name: row.name, required: row.required };
}

export function toTestCase(row: TestCaseRow): TestCase {
  return TestCase.parse({ ...caseBodyOf(row), id: row.id, agentId: row.agentId, sourceSessionId: row.sourceSessionId, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) });
}

export function toRunnable(row: TestCaseRow): RunnableTestCase {
  return RunnableTestCase.parse({ ...caseBodyOf(row), id: row.id });
}

/** A case of this agent (the agent already checked visible to the caller). */
export async function loadTestCase(db: Database, agentId: string, caseId: string): Promise<TestCaseRow> {
  const [row] = await db.select().from(agentTestCases).where(and(eq(agentTestCases.id, caseId), eq(agentTestCases.agentId, agentId)));
  if (!row) throw notFound("test case");
  return row;
}

export async function listTestCases(db: Database, agentId: string): Promise<TestCaseRow[]> {
  return db.select().from(agentTestCases).where(eq(agentTestCases.agentId, agentId)).orderBy(asc(agentTestCases.createdAt), asc(agentTestCases.id));
}

/** The codes of the agent's webhook tools, as its LLM calls them. */
export async function webhookToolCodes(db: Database, spaceId: string, config: AgentConfig): Promise<Set<string>> {
  const ids = [...new Set(config.tools.flatMap((t) => (t.type === "webhook" ? [t.toolId] : [])))];
  if (ids.length === 0) return new Set();
  const rows = await db.select({ code: tools.code }).from(tools).where(and(eq(tools.spaceId, spaceId), inArray(tools.id, ids)));
  return new Set(rows.map((r) => r.code));
}

/** What does not fit the agent the case tests (fields under `body.`). */
export async function checkTestCase(db: Database, spaceId: string, config: AgentConfig, body: CreateTestCaseBody): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const codes = await webhookToolCodes(db, spaceId, config);
  body.toolMocks.forEach((mock, i) => {
    if (SystemToolName.safeParse(mock.tool).success) errors.push({ field: `body.toolMocks.${i}.tool`, message: "system tools act on the simulated call and are not mocked" });
    else if (!codes.has(mock.tool)) errors.push({ field: `body.toolMocks.${i}.tool`, message: `the agent has no webhook tool "${mock.tool}"${codes.size > 0 ? ` (it has ${[...codes].join(", ")})` : ""}` });
  });
  if (body.language !== undefined && !config.locales.some((l) => l.language.toLowerCase() === body.language?.toLowerCase())) {
    errors.push({ field: "body.language", message: `one of the agent's languages: ${config.locales.map((l) => l.language).join(", ")}` });
  }
  const variables = coerceVariables(config.variables, body.variables, { source: "json", fieldPrefix: "body.variables" });
  if (!variables.ok) errors.push(...variables.errors);
  return errors;
}

export async function checkedTestCase(db: Database, spaceId: string, config: AgentConfig, body: CreateTestCaseBody): Promise<void> {
  const errors = await checkTestCase(db, spaceId, config, body);
  if (errors.length > 0) throw new ApiError("validation_failed", "the test case does not fit the agent", { errors });
}

export async function insertTestCase(db: Database, agent: AgentRow, body: CreateTestCaseBody, sourceSessionId: string | null = null): Promise<TestCaseRow> {
  const existing = await db.select({ id: agentTestCases.id }).from(agentTestCases).where(eq(agentTestCases.agentId, agent.id)).limit(maxCasesPerAgent);
  if (existing.length >= maxCasesPerAgent) throw new ApiError("conflict", `an agent has at most ${maxCasesPerAgent} test cases: delete some first`);
  const [row] = await db
    .insert(agentTestCases)
    .values({ id: newId("agentTestCase"), spaceId: agent.spaceId, agentId: agent.id, name: body.name, required: body.required, spec: specOf(body), sourceSessionId })
    .returning();
  if (!row) throw new Error("test case insert returned nothing");
  return row;
}

export interface NewRun {
  agent: AgentRow;
  cases: TestCaseRow[];
  version: number | "draft";
  mode: TestMode;
  repeat: number;
  trigger: "manual" | "publish" | "api";
  createdBy: string | null;
}

/** A queued run of these cases against the version (404 for a version the agent never published). */
export async function insertTestRun(db: Database, r: NewRun): Promise<TestRunRow> {
  if (r.version !== "draft") {
    const [v] = await db.select({ id: agentVersions.id }).from(agentVersions).where(and(eq(agentVersions.agentId, r.agent.id), eq(agentVersions.version, r.version)));
    if (!v) throw notFound("agent version");
  }
  const [row] = await db
    .insert(agentTestRuns)
    .values({
      id: newId("agentTestRun"),
      spaceId: r.agent.spaceId,
      agentId: r.agent.id,
      agentVersion: r.version === "draft" ? null : r.version,
      draftVersion: r.version === "draft" ? r.agent.version : null,
      mode: r.mode,
      repeat: r.repeat,
      trigger: r.trigger,
      status: "queued",
      cases: r.cases.map(toRunnable),
      total: r.cases.length * r.repeat,
      createdBy: r.createdBy,
    })
    .returning();
  if (!row) throw new Error("test run insert returned nothing");
  return row;
}

/** Who made the request, when it is a user (API keys have no user row). */
export function creatorOf(c: Context<AppEnv>): string | null {
  const p = c.get("principal");
  return p.type === "user" ? p.userId : null;
}
