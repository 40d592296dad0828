// The cron's part of the local ledger: close every space's due statements, with its own database
// connection (a scheduled run has no request). With the Lago driver Lago issues the invoices, so
// nothing is closed here.
import { createDatabase } from "@speaknode/db";
import { readConfig } from "../../config.ts";
import { errorFields, log } from "../../lib/log.ts";
import { closeAllDueStatements, type CloseAllResult } from "./close.ts";
import type { WorkerEnv } from "../../env.ts";

/**
 * Closes due statements once an hour: the cron fires every 10 minutes, and the candidates' query
 * reads a year of usage rows, so only the run in the first 10 minutes of each hour does it. A
 * statement is also written the moment its space's invoices are listed, so this only keeps the
 * ledger current for spaces nobody looks at.
 */
export async function runScheduledStatements(env: WorkerEnv, now: Date = new Date(), opts: { everyRun?: boolean } = {}): Promise<CloseAllResult | null> {
  const config = readConfig(env);
  if (config.billing.driver.name !== "ledger") return null;
  if (!opts.everyRun && now.getUTCMinutes() >= 10) return null;
  const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
  try {
    const result = await closeAllDueStatements(handle.db, config.billing.defaultPlan, now);
    if (result.written + result.failed > 0) log.info("ledger statements closed", { ...result });
    return result;
  } catch (err) {
    log.error("scheduled ledger close failed", errorFields(err));
    throw err;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
