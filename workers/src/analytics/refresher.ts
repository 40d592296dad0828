// The one way the Worker refreshes analytics. Every path — the cron, the Admin's backfill and a
// session's end (through the telemetry queue's consumer) — gets its refresher here, so each one
// feeds the configured sink (ClickHouse, when set) as the README promises; a path that built its
// own call to refresh.ts could silently leave the sink out.
import type { Database } from "@speaknode/db";
import type { Config } from "../config.ts";
import { refreshAnalytics, refreshAnalyticsForSessions, type RefreshResult } from "./refresh.ts";
import { analyticsSinkFor } from "./sink.ts";

export interface AnalyticsRefresher {
  /** The (space, day) cells of these sessions (a session ended, or more of it was reported). */
  sessions(db: Database, sessionIds: string[], now?: Date): Promise<void>;
  /** Every cell from `from` to `to` (UTC days, inclusive), in one space or all of them. */
  range(db: Database, range: { from: string; to: string; spaceId?: string | undefined }, now?: Date): Promise<RefreshResult>;
}

export interface RefresherDeps {
  /** Outbound HTTP for the sink; tests pass a fake ClickHouse endpoint. */
  fetch?: typeof fetch | undefined;
}

export function analyticsRefresher(config: Config, deps: RefresherDeps = {}): AnalyticsRefresher {
  const sink = analyticsSinkFor(config, deps.fetch);
  return {
    sessions: (db, sessionIds, now = new Date()) => refreshAnalyticsForSessions(db, sessionIds, now, { sink }),
    range: (db, range, now = new Date()) => refreshAnalytics(db, range, now, { sink }),
  };
}
