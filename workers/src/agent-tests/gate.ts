// The publish gate: publishing an agent with required test cases runs them first (text mode,
// against the draft about to be published, inline with the same executeRun a queued run uses) and
// turns the run into the verdict the version keeps (TestGate). A run that could not run (the
// runtime unreachable) fails the gate too: each case it never ran counts as an error whose message
// is the reason. Skipped cases (a simulated caller without a real LLM) fail nothing.
import { eq } from "drizzle-orm";
import { TestCaseOutcome, type TestGate } from "@speaknode/contracts";
import { agentTestResults, type Database } from "@speaknode/db";
import type { AgentRow } from "../agents/store.ts";
import { executeRun } from "./execute.ts";
import type { RunCase } from "./runtime-client.ts";
import { runCases } from "./serialize.ts";
import { insertTestRun, listTestCases } from "./store.ts";

const maxFailures = 50;

export interface GateDeps {
  db: Database;
  secretsKey: string;
  runCase: RunCase;
}

/** The verdict on the agent's required cases; null when it has none (nothing to gate). */
export async function runPublishGate(deps: GateDeps, agent: AgentRow, createdBy: string | null): Promise<{ gate: TestGate; passed: boolean; reason: string | null } | null> {
  const required = (await listTestCases(deps.db, agent.id)).filter((c) => c.required);
  if (required.length === 0) return null;
  const created = await insertTestRun(deps.db, { agent, cases: required, version: "draft", mode: "text", repeat: 1, trigger: "publish", createdBy });
  const result = await executeRun(deps, created.id);
  if (result.kind !== "finished") throw new Error(`the publish gate's run did not finish (${result.kind})`);
  const run = result.run;
  const names = new Map(runCases(run).map((c) => [c.id, c.name]));
  const stored = await deps.db.select().from(agentTestResults).where(eq(agentTestResults.runId, run.id));
  const failures: TestGate["failures"] = [];
  for (const r of stored) {
    if (r.status !== "failed" && r.status !== "error") continue;
    const outcome = TestCaseOutcome.safeParse(r.outcome);
    const messages = outcome.success ? (outcome.data.failures.length > 0 ? outcome.data.failures.map((f) => f.message) : [outcome.data.reason ?? r.status]) : [r.status];
    for (const message of messages) failures.push({ caseId: r.caseId, caseName: names.get(r.caseId) ?? r.caseId, message: message.slice(0, 1000) });
  }
  const ran = new Set(stored.map((r) => r.caseId));
  const notRun = run.status === "error" ? [...names].filter(([id]) => !ran.has(id)) : [];
  for (const [caseId, caseName] of notRun) failures.push({ caseId, caseName, message: run.reason ?? "the case could not run" });
  const gate: TestGate = {
    runId: run.id,
    passed: run.passed,
    failed: run.failed,
    skipped: run.skipped,
    errors: run.errors + notRun.length,
    overridden: false,
    failures: failures.slice(0, maxFailures),
  };
  return { gate, passed: run.status === "passed", reason: run.status === "error" ? run.reason : null };
}
