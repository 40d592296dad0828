// What a CampaignRunner keeps in its SQLite: the campaign it runs and the origin its calls' callbacks
// go to, the live attempts (a mirror of Postgres's open attempts, rebuilt by every reconcile), the
// dials of the last minutes (dial-rate spacing per connection and the rate shown live), the caller
// number rotation and the recent results. Postgres stays the
// system of record of items and attempts; this is what the loop needs between two alarms.
import type { CampaignOutcome } from "@speaknode/contracts";

export const runnerSchema = `
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  campaign_id TEXT NOT NULL,
  origin TEXT,
  rotation INTEGER NOT NULL DEFAULT 0,
  waiting TEXT,
  next_dial_at INTEGER,
  last_refusal TEXT,
  last_refusal_at INTEGER
);
CREATE TABLE IF NOT EXISTS live (
  attempt_id TEXT PRIMARY KEY,
  item_id TEXT NOT NULL,
  attempt_number INTEGER NOT NULL,
  session_id TEXT,
  phone_masked TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  end_requested_at INTEGER
);
CREATE TABLE IF NOT EXISTS dials (
  attempt_id TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dials_at ON dials (at);
CREATE TABLE IF NOT EXISTS recent (
  attempt_id TEXT PRIMARY KEY,
  item_id TEXT NOT NULL,
  session_id TEXT,
  phone_masked TEXT NOT NULL,
  attempt_number INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  ended_at INTEGER NOT NULL
);`;

/** Dials are remembered this long: the live rate is over 5 minutes. */
export const dialMemoryMs = 5 * 60_000;
export const recentLimit = 20;

// Types, not interfaces: SQL row types must be indexable.
export type RunnerMeta = {
  campaignId: string;
  origin: string | null;
  rotation: number;
  waiting: string | null;
  nextDialAt: number | null;
  lastRefusal: string | null;
  lastRefusalAt: number | null;
};

export type LiveAttempt = {
  attemptId: string;
  itemId: string;
  attemptNumber: number;
  sessionId: string | null;
  phoneMasked: string;
  startedAt: number;
  endRequestedAt: number | null;
};

export type RecentResult = {
  attemptId: string;
  itemId: string;
  sessionId: string | null;
  phoneMasked: string;
  attemptNumber: number;
  outcome: CampaignOutcome;
  endedAt: number;
};

export class RunnerStore {
  readonly #sql: SqlStorage;

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql;
  }

  meta(): RunnerMeta | null {
    const [row] = this.#sql
      .exec<RunnerMeta>(
        `SELECT campaign_id AS campaignId, origin, rotation, waiting, next_dial_at AS nextDialAt, last_refusal AS lastRefusal,
           last_refusal_at AS lastRefusalAt FROM meta WHERE id = 1`,
      )
      .toArray();
    return row ?? null;
  }

  /** The campaign this runner belongs to; a later origin replaces an earlier one. */
  remember(campaignId: string, origin: string | null): void {
    this.#sql.exec(
      `INSERT INTO meta (id, campaign_id, origin) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET origin = COALESCE(excluded.origin, meta.origin)`,
      campaignId,
      origin,
    );
  }

  setWaiting(waiting: string | null, nextDialAt: number | null): void {
    this.#sql.exec("UPDATE meta SET waiting = ?, next_dial_at = ? WHERE id = 1", waiting, nextDialAt);
  }

  noteRefusal(reason: string, at: number): void {
    this.#sql.exec("UPDATE meta SET last_refusal = ?, last_refusal_at = ? WHERE id = 1", reason, at);
  }

  /** Where the caller-number round robin goes on from. */
  setRotation(next: number): void {
    this.#sql.exec("UPDATE meta SET rotation = ? WHERE id = 1", next);
  }

  live(): LiveAttempt[] {
    return this.#sql
      .exec<LiveAttempt>(
        `SELECT attempt_id AS attemptId, item_id AS itemId, attempt_number AS attemptNumber, session_id AS sessionId,
           phone_masked AS phoneMasked, started_at AS startedAt, end_requested_at AS endRequestedAt FROM live ORDER BY started_at`,
      )
      .toArray();
  }

  liveCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM live").one().n;
  }

  addLive(a: Omit<LiveAttempt, "endRequestedAt">): void {
    this.#sql.exec(
      `INSERT INTO live (attempt_id, item_id, attempt_number, session_id, phone_masked, started_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (attempt_id) DO UPDATE SET session_id = COALESCE(excluded.session_id, live.session_id)`,
      a.attemptId,
      a.itemId,
      a.attemptNumber,
      a.sessionId,
      a.phoneMasked,
      a.startedAt,
    );
  }

  setLiveSession(attemptId: string, sessionId: string): void {
    this.#sql.exec("UPDATE live SET session_id = ? WHERE attempt_id = ?", sessionId, attemptId);
  }

  markEndRequested(attemptId: string, at: number): void {
    this.#sql.exec("UPDATE live SET end_requested_at = ? WHERE attempt_id = ?", at, attemptId);
  }

  /** Keeps only these attempts live (Postgres's open attempts, as the last reconcile read them). */
  keepLive(attemptIds: Set<string>): void {
    for (const a of this.live()) if (!attemptIds.has(a.attemptId)) this.#sql.exec("DELETE FROM live WHERE attempt_id = ?", a.attemptId);
  }

  /** An attempt ended: out of the live set, into the recent results (once). */
  ended(r: RecentResult): void {
    this.#sql.exec("DELETE FROM live WHERE attempt_id = ?", r.attemptId);
    this.#sql.exec(
      `INSERT OR IGNORE INTO recent (attempt_id, item_id, session_id, phone_masked, attempt_number, outcome, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      r.attemptId,
      r.itemId,
      r.sessionId,
      r.phoneMasked,
      r.attemptNumber,
      r.outcome,
      r.endedAt,
    );
    this.#sql.exec(`DELETE FROM recent WHERE attempt_id NOT IN (SELECT attempt_id FROM recent ORDER BY ended_at DESC LIMIT ${recentLimit})`);
  }

  recent(): RecentResult[] {
    return this.#sql
      .exec<RecentResult>(
        `SELECT attempt_id AS attemptId, item_id AS itemId, session_id AS sessionId, phone_masked AS phoneMasked,
           attempt_number AS attemptNumber, outcome, ended_at AS endedAt FROM recent ORDER BY ended_at DESC LIMIT ${recentLimit}`,
      )
      .toArray();
  }

  recordDial(attemptId: string, connectionId: string, at: number): void {
    this.#sql.exec("INSERT OR IGNORE INTO dials (attempt_id, connection_id, at) VALUES (?, ?, ?)", attemptId, connectionId, at);
    this.#sql.exec("DELETE FROM dials WHERE at < ?", at - dialMemoryMs);
  }

  /** When each connection last dialled (for the per-connection dial-rate spacing). */
  lastDialByConnection(): Map<string, number> {
    const rows = this.#sql.exec<{ connectionId: string; at: number }>("SELECT connection_id AS connectionId, MAX(at) AS at FROM dials GROUP BY connection_id").toArray();
    return new Map(rows.map((r) => [r.connectionId, r.at]));
  }

  dialsSince(at: number): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM dials WHERE at >= ?", at).one().n;
  }
}
