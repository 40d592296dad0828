// Runs and their results as the API shows them: counters, pass rates and a summary per case
// (in the order the run snapshotted its cases), and a run's results ordered by case then repeat.
import { asc, count, eq, inArray } from "drizzle-orm";
import { RunnableTestCase, TestCaseOutcome, type TestResult, type TestRun, type TestRunDetail } from "@speaknode/contracts";
import { agentTestResults, type Database } from "@speaknode/db";
import { iso, isoOrNull } from "../lib/openapi.ts";
import type { TestRunRow } from "./store.ts";

type Status = "passed" | "failed" | "skipped" | "error";
type Tally = Record<Status, number>;
const emptyTally = (): Tally => ({ passed: 0, failed: 0, skipped: 0, error: 0 });

/** Passed ÷ (passed + failed + errors); skipped cases count for nothing. */
export function passRate(t: { passed: number; failed: number; errors: number }): number | null {
  const counted = t.passed + t.failed + t.errors;
  return counted === 0 ? null : Math.round((t.passed / counted) * 10_000) / 10_000;
}

/** The cases a run snapshotted (id and name), in order; a snapshot that no longer parses shows its id. */
export function runCases(row: TestRunRow): { id: string; name: string }[] {
  return row.cases.map((c) => {
    const parsed = RunnableTestCase.safeParse(c);
    return parsed.success ? { id: parsed.data.id, name: parsed.data.name } : { id: String(c["id"]), name: String(c["name"] ?? c["id"]) };
  });
}

/** Results per run and case, by status. */
export async function tallies(db: Database, runIds: string[]): Promise<Map<string, Map<string, Tally>>> {
  const out = new Map<string, Map<string, Tally>>();
  if (runIds.length === 0) return out;
  const rows = await db
    .select({ runId: agentTestResults.runId, caseId: agentTestResults.caseId, status: agentTestResults.status, n: count() })
    .from(agentTestResults)
    .where(inArray(agentTestResults.runId, runIds))
    .groupBy(agentTestResults.runId, agentTestResults.caseId, agentTestResults.status);
  for (const r of rows) {
    const byCase = out.get(r.runId) ?? new Map<string, Tally>();
    const tally = byCase.get(r.caseId) ?? emptyTally();
    if (r.status in tally) tally[r.status as Status] += Number(r.n);
    byCase.set(r.caseId, tally);
    out.set(r.runId, byCase);
  }
  return out;
}

export function toTestRun(row: TestRunRow, byCase: Map<string, Tally> = new Map()): TestRun {
  return {
    id: row.id,
    agentId: row.agentId,
    agentVersion: row.agentVersion,
    draftVersion: row.draftVersion,
    mode: row.mode === "audio" ? "audio" : "text",
    repeat: row.repeat,
    trigger: row.trigger === "publish" || row.trigger === "api" ? row.trigger : "manual",
    status: (["queued", "running", "passed", "failed", "error"] as const).find((s) => s === row.status) ?? "error",
    reason: row.reason,
    total: row.total,
    passed: row.passed,
    failed: row.failed,
    skipped: row.skipped,
    errors: row.errors,
    passRate: passRate(row),
    cases: runCases(row).map((c) => {
      const t = byCase.get(c.id) ?? emptyTally();
      return { caseId: c.id, caseName: c.name, passed: t.passed, failed: t.failed, skipped: t.skipped, errors: t.error, passRate: passRate({ passed: t.passed, failed: t.failed, errors: t.error }) };
    }),
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    startedAt: isoOrNull(row.startedAt),
    finishedAt: isoOrNull(row.finishedAt),
  };
}

export async function toTestRuns(db: Database, rows: TestRunRow[]): Promise<TestRun[]> {
  const t = await tallies(db, rows.map((r) => r.id));
  return rows.map((r) => toTestRun(r, t.get(r.id)));
}

export async function toTestRunDetail(db: Database, row: TestRunRow): Promise<TestRunDetail> {
  const [run] = await toTestRuns(db, [row]);
  if (!run) throw new Error("unreachable: one run in, one out");
  const stored = await db.select().from(agentTestResults).where(eq(agentTestResults.runId, row.id)).orderBy(asc(agentTestResults.iteration));
  const order = runCases(row);
  const position = new Map(order.map((c, i) => [c.id, i]));
  const names = new Map(order.map((c) => [c.id, c.name]));
  const results: TestResult[] = stored
    .sort((a, b) => (position.get(a.caseId) ?? 0) - (position.get(b.caseId) ?? 0) || a.iteration - b.iteration)
    .map((r) => {
      const outcome = TestCaseOutcome.safeParse(r.outcome);
      const base = outcome.success
        ? outcome.data
        : { status: "error" as const, reason: "the stored result no longer reads as a test outcome", turns: [], failures: [], judged: [], durationMs: 0, usage: { prompt: 0, completion: 0 } };
      return { ...base, caseId: r.caseId, caseName: names.get(r.caseId) ?? r.caseId, iteration: r.iteration };
    });
  return { ...run, results };
}
