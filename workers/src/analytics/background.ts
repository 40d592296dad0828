// The scheduled refresh (cron trigger, today and yesterday, every space with sessions). It opens
// its own database connection from the env, having no request's middleware. A session's end asks
// for its refresh through the telemetry queue (the SessionRoom sends it; telemetry/consumer.ts
// refreshes).
import { createDatabase } from "@speaknode/db";
import { readConfig } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";
import { addDays, utcDay } from "./days.ts";
import type { RefreshResult } from "./refresh.ts";
import { analyticsRefresher, type RefresherDeps } from "./refresher.ts";
import type { WorkerEnv } from "../env.ts";

/**
 * The cron refresh (wrangler.toml `[triggers]`). Yesterday is included so late data and sessions
 * that ended after midnight land; throws so a failed run is reported as a failed invocation.
 */
export async function runScheduledRefresh(env: WorkerEnv, now: Date = new Date(), deps: RefresherDeps = {}): Promise<RefreshResult> {
  const to = utcDay(now);
  const from = addDays(to, -1);
  const config = readConfig(env);
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    const result = await analyticsRefresher(config, deps).range(handle.db, { from, to }, now);
    log.info("analytics refreshed", { from, to, rows: result.rows });
    return result;
  } catch (err) {
    log.error("scheduled analytics refresh failed", { from, to, ...errorFields(err) });
    throw err;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
