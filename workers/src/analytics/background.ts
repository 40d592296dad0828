// Refreshes that run outside a request: the cron trigger (today and yesterday, every space with
// sessions; it opens its own database connection from the env, having no request's middleware),
// and the one a session's end asks for, through the telemetry queue.
import { createDatabase } from "@speaknode/db";
import { readConfig } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";
import { addDays, utcDay } from "./days.ts";
import { telemetryProtocolVersion } from "../telemetry/protocol.ts";
import { telemetryQueue } from "../telemetry/queue.ts";
import { refreshAnalytics, type RefreshResult } from "./refresh.ts";
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
 * Asks for the (space, day) analytics of sessions that just ended to be refreshed: a message on the
 * telemetry queue, whose consumer refreshes each (space, day) of a batch once (sessions ending by
 * the hundred would otherwise each recompute the same day). Never throws: it runs in `waitUntil`
 * after the session's row was written, and a miss is caught up by the next scheduled refresh.
 */
export async function refreshEndedSessions(env: Record<string, unknown>, sessionIds: string[]): Promise<void> {
  try {
    await telemetryQueue(env).send({ protocolVersion: telemetryProtocolVersion, type: "analytics.refresh", sessionIds }, { contentType: "json" });
  } catch (err) {
    log.error("analytics refresh after session end not queued", { sessions: sessionIds.length, ...errorFields(err) });
  }
}
