// Executing a test run: each snapshotted case × repeat not yet stored is built into the
// configuration a session would get (config.ts) and run once on the voice runtime, two at a time;
// each outcome is stored under (run, case, iteration) with insert-or-nothing, so a redelivered
// message or a second executor resumes instead of repeating, and the counters are recounted from
// the stored results. The run ends `passed` (nothing failed or errored; skipped cases fail
// nothing), `failed`, or `error` with the reason it could not run (the runtime unreachable, the
// version gone). Used by the queue consumer and, inline, by the publish gate.
import { count, eq } from "drizzle-orm";
import { RunnableTestCase, type AgentConfig, type RunTestCaseRequest, type TestCaseOutcome, type TestMode } from "@speaknode/contracts";
import { agentTestResults, agentTestRuns, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { CaseNotRunnable, runAgentConfig, testRuntimeConfigs } from "./config.ts";
import { errorOutcome, RuntimeUnreachable, type RunCase } from "./runtime-client.ts";
import type { TestRunRow } from "./store.ts";

export interface ExecuteDeps {
  db: Database;
  secretsKey: string;
  runCase: RunCase;
  now?: () => Date;
  /** Cases running at once (the design's 2: a runtime on 2 cores). */
  concurrency?: number;
  /** Epoch ms after which no further case is started (a queue consumer's wall-clock budget); the run stays `running`. */
  stopStartingAtMs?: number;
}

export type ExecuteResult =
  | { kind: "missing" }
  /** Terminal now (or already was). */
  | { kind: "finished"; run: TestRunRow }
  /** The budget ran out with cases left: execute again to resume. */
  | { kind: "paused"; remaining: number };

const terminal = new Set(["passed", "failed", "error"]);

interface Job {
  caseId: string;
  iteration: number;
  testCase: RunnableTestCase | null;
}

async function recount(db: Database, runId: string): Promise<{ passed: number; failed: number; skipped: number; errors: number }> {
  const rows = await db.select({ status: agentTestResults.status, n: count() }).from(agentTestResults).where(eq(agentTestResults.runId, runId)).groupBy(agentTestResults.status);
  const n = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  const counters = { passed: n("passed"), failed: n("failed"), skipped: n("skipped"), errors: n("error") };
  await db.update(agentTestRuns).set(counters).where(eq(agentTestRuns.id, runId));
  return counters;
}

async function finish(db: Database, runId: string, status: "passed" | "failed" | "error", reason: string | null, now: Date): Promise<TestRunRow> {
  const [row] = await db.update(agentTestRuns).set({ status, reason: reason?.slice(0, 1000) ?? null, finishedAt: now }).where(eq(agentTestRuns.id, runId)).returning();
  if (!row) throw new Error("test run vanished while finishing");
  return row;
}

function jobsOf(run: TestRunRow, done: Set<string>): Job[] {
  const jobs: Job[] = [];
  for (const raw of run.cases) {
    const parsed = RunnableTestCase.safeParse(raw);
    const caseId = parsed.success ? parsed.data.id : String(raw["id"]);
    for (let iteration = 1; iteration <= run.repeat; iteration++) {
      if (!done.has(`${caseId}#${iteration}`)) jobs.push({ caseId, iteration, testCase: parsed.success ? parsed.data : null });
    }
  }
  return jobs;
}

async function outcomeOf(deps: ExecuteDeps, run: TestRunRow, agentConfig: AgentConfig, job: Job): Promise<TestCaseOutcome> {
  if (!job.testCase) return errorOutcome("the case as this run saved it no longer reads as a test case");
  let request: RunTestCaseRequest;
  try {
    const { config, transferConfigs } = await testRuntimeConfigs(deps.db, deps.secretsKey, run, agentConfig, job.testCase);
    request = { config, transferConfigs, testCase: job.testCase, mode: run.mode as TestMode, iteration: job.iteration };
  } catch (err) {
    if (err instanceof CaseNotRunnable || err instanceof ApiError) return errorOutcome(err.message);
    throw err;
  }
  return deps.runCase(request);
}

export async function executeRun(deps: ExecuteDeps, runId: string): Promise<ExecuteResult> {
  const { db } = deps;
  const now = () => deps.now?.() ?? new Date();
  const [found] = await db.select().from(agentTestRuns).where(eq(agentTestRuns.id, runId));
  if (!found) return { kind: "missing" };
  if (terminal.has(found.status)) return { kind: "finished", run: found };
  const [run] = await db.update(agentTestRuns).set({ status: "running", startedAt: found.startedAt ?? now() }).where(eq(agentTestRuns.id, runId)).returning();
  if (!run) return { kind: "missing" };

  let agentConfig: AgentConfig;
  try {
    agentConfig = await runAgentConfig(db, run);
  } catch (err) {
    if (err instanceof ApiError) return { kind: "finished", run: await finish(db, runId, "error", err.message, now()) };
    throw err;
  }
  const stored = await db.select({ caseId: agentTestResults.caseId, iteration: agentTestResults.iteration }).from(agentTestResults).where(eq(agentTestResults.runId, runId));
  const jobs = jobsOf(run, new Set(stored.map((r) => `${r.caseId}#${r.iteration}`)));

  let unreachable: string | null = null;
  let next = 0;
  const worker = async () => {
    while (unreachable === null && next < jobs.length) {
      if (deps.stopStartingAtMs !== undefined && Date.now() >= deps.stopStartingAtMs) return;
      const job = jobs[next++];
      if (!job) return;
      let outcome: TestCaseOutcome;
      try {
        outcome = await outcomeOf(deps, run, agentConfig, job);
      } catch (err) {
        if (err instanceof RuntimeUnreachable) {
          unreachable ??= err.message;
          return;
        }
        throw err;
      }
      await db.insert(agentTestResults).values({ runId, caseId: job.caseId, iteration: job.iteration, status: outcome.status, outcome }).onConflictDoNothing();
      await recount(db, runId);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 2) }, worker));

  const counters = await recount(db, runId);
  if (unreachable !== null) {
    log.warn("agent tests: the runtime is unreachable; the run ends in error", { runId, agentId: run.agentId });
    return { kind: "finished", run: await finish(db, runId, "error", unreachable, now()) };
  }
  const done = await db.select({ n: count() }).from(agentTestResults).where(eq(agentTestResults.runId, runId));
  const remaining = run.total - Number(done[0]?.n ?? 0);
  if (remaining > 0) return { kind: "paused", remaining };
  return { kind: "finished", run: await finish(db, runId, counters.failed + counters.errors === 0 ? "passed" : "failed", null, now()) };
}

export function logRunFailure(runId: string, err: unknown): void {
  log.error("agent tests: executing the run failed", { runId, ...errorFields(err) });
}
