// Refreshes that run outside a request: the cron trigger (today and yesterday, every space with
// sessions) and the one a session's end schedules for its own (space, day). Each opens its own
// database connection from the env, as neither has a request's middleware.
import { createDatabase } from "@speaknode/db";
import { readConfig } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";
import { addDays, utcDay } from "./days.ts";
import { refreshAnalytics, refreshAnalyticsForSessions, type RefreshResult } from "./refresh.ts";
import { analyticsSinkFor } from "./sink.ts";

async function withDatabase<T>(env: Record<string, unknown>, fn: (db: ReturnType<typeof createDatabase>["db"], sink: ReturnType<typeof analyticsSinkFor>) => Promise<T>): Promise<T> {
  const config = readConfig(env);
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    return await fn(handle.db, analyticsSinkFor(config));
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The cron refresh (wrangler.toml `[triggers]`). Yesterday is included so late data and sessions
 * that ended after midnight land; throws so a failed run is reported as a failed invocation.
 */
export async function runScheduledRefresh(env: Record<string, unknown>, now: Date = new Date()): Promise<RefreshResult> {
  const to = utcDay(now);
  const from = addDays(to, -1);
  try {
    const result = await withDatabase(env, (db, sink) => refreshAnalytics(db, { from, to }, now, { sink }));
    log.info("analytics refreshed", { from, to, rows: result.rows });
    return result;
  } catch (err) {
    log.error("scheduled analytics refresh failed", { from, to, ...errorFields(err) });
    throw err;
  }
}

/**
 * Refreshes the (space, day) of sessions that just ended. Never throws: it runs in `waitUntil`
 * after the session's row was written, and a miss is caught up by the next scheduled refresh.
 */
export async function refreshEndedSessions(env: Record<string, unknown>, sessionIds: string[]): Promise<void> {
  try {
    await withDatabase(env, (db, sink) => refreshAnalyticsForSessions(db, sessionIds, new Date(), { sink }));
  } catch (err) {
    log.error("analytics refresh after session end failed", { sessionIds, ...errorFields(err) });
  }
}
