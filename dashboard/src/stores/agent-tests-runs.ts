// Runs of an agent's test cases: start one (cases chosen or all, the draft or a published version,
// text or audio, repeated N times), follow it live (GET the run until it finishes), the history per
// version with pass rates, a run's detail, and what changed against the previous finished run of the
// same version. Polling waits through an injected `sleep` so tests drive it without timers.
import { batch, computed, signal } from "@preact/signals";
import { CreateTestRunBody, TestRun, TestRunDetail, type TestRunStatus } from "../../../packages/contracts/src/agent-tests.ts";
import { z } from "zod";
import { errorMessage, type Api } from "../api/client.ts";

export type RunVersion = "draft" | number;
export type CaseSummary = TestRun["cases"][number];
/** A case's verdict in one run, all its repeats taken together. */
export type CaseVerdict = "passed" | "failed" | "error" | "skipped" | "flaky";

const RunList = z.object({ data: z.array(TestRun), nextCursor: z.string().nullable().optional() });

export const finished = (status: TestRunStatus) => status !== "queued" && status !== "running";

export const versionOf = (run: Pick<TestRun, "agentVersion">): RunVersion => run.agentVersion ?? "draft";
export const versionLabel = (v: RunVersion) => (v === "draft" ? "Draft" : `v${v}`);

/** A case's repeats as one verdict: some passed and some failed is "flaky". */
export function caseVerdict(c: CaseSummary): CaseVerdict {
  const bad = c.failed + c.errors;
  if (bad > 0 && c.passed > 0) return "flaky";
  if (c.failed > 0) return "failed";
  if (c.errors > 0) return "error";
  if (c.passed > 0) return "passed";
  return "skipped";
}

export const percent = (rate: number | null) => (rate === null ? "—" : `${Math.round(rate * 100)} %`);

export interface CaseChange {
  caseId: string;
  caseName: string;
  /** null: the case was not in that run. */
  before: CaseVerdict | null;
  after: CaseVerdict | null;
  beforeRate: number | null;
  afterRate: number | null;
}

/** The cases whose verdict differs between `previous` and `run` (added and removed cases included). */
export function diffRuns(run: TestRun, previous: TestRun): CaseChange[] {
  const before = new Map(previous.cases.map((c) => [c.caseId, c]));
  const after = new Map(run.cases.map((c) => [c.caseId, c]));
  const ids = [...new Set([...run.cases.map((c) => c.caseId), ...previous.cases.map((c) => c.caseId)])];
  const changes: CaseChange[] = [];
  for (const id of ids) {
    const a = after.get(id);
    const b = before.get(id);
    const va = a ? caseVerdict(a) : null;
    const vb = b ? caseVerdict(b) : null;
    if (va === vb) continue;
    changes.push({ caseId: id, caseName: (a ?? b)?.caseName ?? id, before: vb, after: va, beforeRate: b?.passRate ?? null, afterRate: a?.passRate ?? null });
  }
  return changes;
}

/** The newest finished run before `run` on the same version (draft runs compare with draft runs), from a list newest first. */
export function previousRun(run: TestRun, runs: TestRun[]): TestRun | null {
  const v = versionOf(run);
  return runs.find((r) => r.id !== run.id && versionOf(r) === v && finished(r.status) && r.createdAt <= run.createdAt) ?? null;
}

/** Each case's verdict in the newest finished run that included it (the list's "last result"). */
export function lastVerdicts(runs: TestRun[]): Map<string, { verdict: CaseVerdict; runId: string }> {
  const out = new Map<string, { verdict: CaseVerdict; runId: string }>();
  for (const r of runs) {
    if (!finished(r.status)) continue;
    for (const c of r.cases) if (!out.has(c.caseId)) out.set(c.caseId, { verdict: caseVerdict(c), runId: r.id });
  }
  return out;
}

export interface TestRunsDeps {
  api: Api;
  agentId: string;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
}

export function createTestRunsStore(deps: TestRunsDeps) {
  const { api } = deps;
  const base = `/v1/agents/${encodeURIComponent(deps.agentId)}/test-runs`;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = deps.pollMs ?? 1000;
  /** Every recent run, newest first (last results and diffs). */
  const runs = signal<TestRun[] | null>(null);
  /** The history's version filter; null: every version. */
  const version = signal<RunVersion | null>(null);
  const history = computed(() => (runs.value ?? []).filter((r) => version.value === null || versionOf(r) === version.value));
  const current = signal<TestRunDetail | null>(null);
  const error = signal<string | null>(null);
  const starting = signal(false);
  const last = computed(() => lastVerdicts(runs.value ?? []));
  const previous = computed(() => (current.value && runs.value ? previousRun(current.value, runs.value) : null));
  const changes = computed(() => (current.value && previous.value && finished(current.value.status) ? diffRuns(current.value, previous.value) : null));
  // Which run is being followed: a newer watch (or stop) ends an older one's polling.
  let watching = 0;

  async function loadRuns(): Promise<TestRun[]> {
    try {
      const { data } = await api.json(RunList, "GET", base, { query: { limit: 100 } });
      batch(() => {
        runs.value = data;
        error.value = null;
      });
      return data;
    } catch (err) {
      error.value = errorMessage(err);
      throw err;
    }
  }

  function remember(run: TestRun): void {
    const { results: _ignored, ...summary } = run as TestRunDetail;
    const list = runs.value ?? [];
    runs.value = list.some((r) => r.id === run.id) ? list.map((r) => (r.id === run.id ? summary : r)) : [summary, ...list];
  }

  /** Start a run; it is then followed live. Resolves the run as created (queued), or null when refused. */
  async function start(input: z.input<typeof CreateTestRunBody>): Promise<TestRun | null> {
    const body = CreateTestRunBody.safeParse(input);
    if (!body.success) {
      error.value = body.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
      return null;
    }
    starting.value = true;
    try {
      const run = await api.json(TestRun, "POST", base, { body: body.data });
      batch(() => {
        remember(run);
        error.value = null;
      });
      void watch(run.id);
      return run;
    } catch (err) {
      error.value = errorMessage(err);
      return null;
    } finally {
      starting.value = false;
    }
  }

  /** Show a run; while it is queued or running, fetch it again every `pollMs` until it finishes. */
  async function watch(runId: string): Promise<TestRunDetail | null> {
    const mine = ++watching;
    for (;;) {
      let detail: TestRunDetail;
      try {
        detail = await api.json(TestRunDetail, "GET", `${base}/${encodeURIComponent(runId)}`);
      } catch (err) {
        if (mine === watching) error.value = errorMessage(err);
        return null;
      }
      if (mine !== watching) return null;
      batch(() => {
        current.value = detail;
        remember(detail);
      });
      if (finished(detail.status)) return detail;
      await sleep(pollMs);
      if (mine !== watching) return null;
    }
  }

  /** Stop following (the tab closed, another run opened). */
  function stop(): void {
    watching++;
  }

  const closeRun = () => {
    stop();
    current.value = null;
  };

  return { runs, version, history, current, error, starting, last, previous, changes, loadRuns, start, watch, stop, closeRun };
}

export type TestRunsStore = ReturnType<typeof createTestRunsStore>;
