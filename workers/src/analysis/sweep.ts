// The cron's safety net for analyses: a session pending for more than five minutes since it was
// queued or last tried (its message lost, or the queue's send failed after the commit) is queued
// again; one that already had all its tries is recorded failed, with its call.analysis.ready.
// Queueing twice is harmless: the consumer acts only on a pending session.
import { and, asc, eq, lt } from "drizzle-orm";
import { announceDomainEvents, createDatabase, sessions, type Database } from "@speaknode/db";
import { readConfig } from "../config.ts";
import { log } from "../lib/log.ts";
import { enqueueAnalysis } from "./enqueue.ts";
import { analysisMaxAttempts } from "./protocol.ts";
import { finishAnalysis } from "./store.ts";
import type { WorkerEnv } from "../env.ts";

export const analysisSweepAfterMs = 5 * 60_000;
/** One cron run looks at this many sessions at most. */
const sweepBatch = 100;

export interface SweptAnalyses {
  requeued: string[];
  /** Events of the analyses given up. */
  failedEventIds: string[];
}

export async function sweepPendingAnalyses(db: Database, now: Date): Promise<SweptAnalyses> {
  const rows = await db
    .select({ id: sessions.id, attempts: sessions.analysisAttempts })
    .from(sessions)
    .where(and(eq(sessions.analysisStatus, "pending"), lt(sessions.analysisRequestedAt, new Date(now.getTime() - analysisSweepAfterMs))))
    .orderBy(asc(sessions.analysisRequestedAt))
    .limit(sweepBatch);
  const requeued: string[] = [];
  const failedEventIds: string[] = [];
  for (const row of rows) {
    if (row.attempts >= analysisMaxAttempts) {
      const eventId = await finishAnalysis(db, row.id, { status: "failed", reason: `The analysis did not finish after ${row.attempts} attempts.` }, now);
      if (eventId) failedEventIds.push(eventId);
      continue;
    }
    // Not swept again for another five minutes, whatever becomes of this message.
    await db.update(sessions).set({ analysisRequestedAt: now }).where(and(eq(sessions.id, row.id), eq(sessions.analysisStatus, "pending")));
    requeued.push(row.id);
  }
  return { requeued, failedEventIds };
}

/** The cron's part (workers/src/index.ts `scheduled`). */
export async function runScheduledAnalysisSweep(env: WorkerEnv, now: Date = new Date()): Promise<void> {
  const config = readConfig(env);
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    const swept = await sweepPendingAnalyses(handle.db, now);
    await Promise.all([enqueueAnalysis(env, swept.requeued), announceDomainEvents(env, swept.failedEventIds)]);
    if (swept.requeued.length + swept.failedEventIds.length > 0) log.info("analysis: pending sessions swept", { requeued: swept.requeued.length, failed: swept.failedEventIds.length });
  } finally {
    await handle.close();
  }
}
