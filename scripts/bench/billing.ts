// Billing on a session's end path, against the local stack's database: when the SessionRoom writes
// a session row terminal it records the session's usage in the same transaction
// (recordSessionUsage: one INSERT … SELECT keyed by the session id). Each sample is a fresh session
// row of the demo agent, written the way the room writes it (pending at dispatch, active with its
// start, then completed with its end), and its end is timed in two parts inside that one
// transaction: the status update alone (the same-run baseline: what the end cost before billing)
// and recordSessionUsage after it (what billing adds). Run from here with the Worker's own code
// through the same driver and proxy, like the telemetry bench's insert.
//
// Also here: the bench plan. Enforcement stays on for the benches, but the dispatch benches leave
// hundreds of sessions live, far past any real plan's calls at once; so before them the demo space
// moves, through the API as an Owner would, to a plan whose limits are never reached: calls at
// once 1,000,000 (a number, not "no limit", so every dispatch still takes the space's lock, reads
// its plan and counts its live sessions, as on every seeded plan) and overage priced (the minutes
// never run out; like every plan with overage, no minutes are counted at dispatch).
//
// Standalone: `node scripts/bench/billing.ts` starts its own stack (in-memory database).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eq, inArray } from "drizzle-orm";
import { newId, type Plan, type Subscription } from "@speaknode/contracts";
import { createDatabase, sessions, usageRecords } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { recordSessionUsage } from "../../workers/src/billing/usage.ts";
import { token } from "./api.ts";
import { fmt, summary } from "./stats.ts";

const warmup = 20;
const samples = 200;

export interface BillingBenchTarget {
  databaseUrl: string;
  localProxy: string;
  spaceId: string;
  agentId: string;
  /** The Worker's BILLING_DEFAULT_PLAN (the plan of a space without a subscription). */
  defaultPlanCode: string;
}

const benchPlanCode = "bench";

/**
 * Puts the space at once on the plan `bench` (limits never reached, every feature, overage priced), made by
 * the platform Admin through the API the first time; the change is the Owner's, as on the Billing
 * page. Returns the plan's code.
 */
export async function putSpaceOnBenchPlan(base: string, spaceId: string): Promise<string> {
  const admin = { authorization: `Bearer ${await token(base, "admin@speaknode.local")}`, "content-type": "application/json" };
  const listed = await fetch(`${base}/v1/plans?includeArchived=true`, { headers: admin });
  const list = (await listed.json()) as { data?: Plan[] };
  if (!listed.ok) throw new Error(`could not list the plans: ${listed.status} ${JSON.stringify(list).slice(0, 300)}`);
  let plan = list.data?.find((p) => p.code === benchPlanCode);
  if (!plan) {
    const created = await fetch(`${base}/v1/admin/plans`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        code: benchPlanCode,
        name: "Bench",
        description: "Limits never reached, overage priced: enforcement runs on every dispatch of the benches and never refuses one.",
        price: "0",
        includedMinutes: 100_000,
        overagePricePerMinute: "0.01",
        rounding: "per_second",
        features: { telephony: true, campaigns: true, byoProviderKeys: true },
        limits: { agents: null, phoneNumbers: null, concurrentCalls: 1_000_000, campaigns: null },
      }),
    });
    const body = (await created.json()) as Partial<Plan>;
    if (created.status !== 201 || !body.id) throw new Error(`could not create the bench plan: ${created.status} ${JSON.stringify(body).slice(0, 300)}`);
    plan = body as Plan;
  }
  const owner = await token(base);
  const changed = await fetch(`${base}/v1/spaces/${spaceId}/subscription`, {
    method: "PUT",
    headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" },
    body: JSON.stringify({ planId: plan.id, effective: "now" }),
  });
  const subscription = (await changed.json()) as Partial<Subscription>;
  if (!changed.ok || subscription.plan?.id !== plan.id) throw new Error(`could not put the space on the bench plan: ${changed.status} ${JSON.stringify(subscription).slice(0, 300)}`);
  return plan.code;
}

export async function billingUsageBench(target: BillingBenchTarget): Promise<string[]> {
  const handle = createDatabase({ url: target.databaseUrl, localProxy: target.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  const db = handle.db;
  const created: string[] = [];
  const rowWriteMs: number[] = [];
  const usageMs: number[] = [];
  const endMs: number[] = [];
  try {
    for (let i = 0; i < warmup + samples; i++) {
      const id = newId("session");
      created.push(id);
      // Dispatch, then Active: as the route and the room write them (not timed).
      await db.insert(sessions).values({ id, spaceId: target.spaceId, agentId: target.agentId, agentVersion: 1, channel: i % 2 === 0 ? "widget" : "api", language: "en-US", variables: { customer_name: "Bench" }, mediaDriver: "local" });
      const endedAt = new Date();
      // 30 s to 5 min, rarely whole seconds (the rounding has work to do).
      const startedAt = new Date(endedAt.getTime() - (30_000 + ((i * 7919) % 270_000)));
      await db.update(sessions).set({ status: "active", startedAt }).where(eq(sessions.id, id));
      // The end: one transaction, like the room's write-through.
      let rowMs = 0;
      let recordMs = 0;
      const t0 = performance.now();
      const usage = await db.transaction(async (tx) => {
        const t1 = performance.now();
        await tx.update(sessions).set({ status: "completed", failureReason: null, startedAt, endedAt }).where(eq(sessions.id, id));
        const t2 = performance.now();
        const row = await recordSessionUsage(tx, id, target.defaultPlanCode);
        recordMs = performance.now() - t2;
        rowMs = t2 - t1;
        return row;
      });
      const totalMs = performance.now() - t0;
      if (!usage || usage.sessionId !== id || usage.billableSeconds <= 0) throw new Error(`no usage recorded for ${id}: ${JSON.stringify(usage)}`);
      if (i >= warmup) {
        rowWriteMs.push(rowMs);
        usageMs.push(recordMs);
        endMs.push(totalMs);
      }
    }
    // A replayed end records nothing more (the bench measured the real insert, not a no-op).
    const replayed = await recordSessionUsage(db, created[created.length - 1] ?? "", target.defaultPlanCode);
    if (replayed !== null) throw new Error("a replayed end recorded usage twice");
    const u = summary(usageMs);
    const r = summary(rowWriteMs);
    const e = summary(endMs);
    return [
      `BENCH billing.usage_record_ms=${fmt(u.p50)} ms`,
      `BENCH billing.usage_record.p99_ms=${fmt(u.p99)} ms`,
      `BENCH billing.session_row_write_ms=${fmt(r.p50)} ms`,
      `BENCH billing.session_row_write.p99_ms=${fmt(r.p99)} ms`,
      `(${u.n} session ends after ${warmup} warm-up ones, each a fresh row of the demo agent written pending → active → completed as the SessionRoom writes it; inside the end's one transaction ` +
        `the status update alone (baseline) and then recordSessionUsage (target ≤ 5 ms p50), run directly against the stack's database through Neon's driver → local proxy → PGlite; ` +
        `the whole end transaction (begin, both, commit) p50 ${fmt(e.p50)} ms, p99 ${fmt(e.p99)} ms)`,
    ];
  } finally {
    // The demo space as it was for the benches after this one: no bench sessions, no bench minutes.
    if (created.length > 0) {
      await db.delete(usageRecords).where(inArray(usageRecords.sessionId, created));
      await db.delete(sessions).where(inArray(sessions.id, created));
    }
    await handle.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { freePort, startLocalStack } = await import("../lib.ts");
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-billing-"));
  const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true });
  try {
    const code = await putSpaceOnBenchPlan(stack.url, stack.demoSpaceId);
    console.log(`(the demo space is on the bench plan ${code})`);
    const target = { databaseUrl: stack.database.databaseUrl, localProxy: stack.database.localProxy, spaceId: stack.demoSpaceId, agentId: stack.demoAgentId, defaultPlanCode: "free" };
    for (const line of await billingUsageBench(target)) console.log(line);
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
