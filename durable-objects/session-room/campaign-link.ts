// A campaign's session and its CampaignRunner: the room keeps which campaign attempt it is in its
// SQLite and, once the session has ended (and its row says so), tells the runner. A notice the
// runner did not take stays pending and is retried from the room's alarm; the runner also
// reconciles live attempts on its own, so the notice only makes it faster, never necessary.
import { campaignRunnerIn } from "../campaign-runner/stub.ts";
import type { ObjectEnv } from "../shared/env.ts";

/** Created with the room's own tables; a separate table (not columns of `session`) so rooms created
 *  before campaigns need no migration. */
export const campaignLinkSchema = `
CREATE TABLE IF NOT EXISTS campaign_link (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  campaign_id TEXT NOT NULL,
  attempt_id TEXT NOT NULL,
  -- 0: the session is live; 1: it ended and the runner has not heard yet; 2: the runner heard.
  notice INTEGER NOT NULL DEFAULT 0
);`;

type LinkRow = { campaignId: string; attemptId: string; notice: number };

export class CampaignLink {
  readonly #ctx: DurableObjectState;
  readonly #env: ObjectEnv;

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    this.#ctx = ctx;
    this.#env = env;
  }

  store(link: { campaignId: string; attemptId: string }): void {
    this.#ctx.storage.sql.exec("INSERT OR IGNORE INTO campaign_link (id, campaign_id, attempt_id) VALUES (1, ?, ?)", link.campaignId, link.attemptId);
  }

  link(): LinkRow | null {
    const [row] = this.#ctx.storage.sql.exec<LinkRow>("SELECT campaign_id AS campaignId, attempt_id AS attemptId, notice FROM campaign_link WHERE id = 1").toArray();
    return row ?? null;
  }

  /** The session ended: the runner is owed a notice. */
  markEnded(): void {
    this.#ctx.storage.sql.exec("UPDATE campaign_link SET notice = 1 WHERE id = 1 AND notice = 0");
  }

  notifyPending(): boolean {
    return this.link()?.notice === 1;
  }

  /** Tells the runner when a notice is owed; a failure leaves it owed (the caller re-arms the alarm). */
  async notify(sessionId: string): Promise<void> {
    const link = this.link();
    if (link?.notice !== 1) return;
    try {
      await campaignRunnerIn(this.#env, link.campaignId).sessionEnded({ campaignId: link.campaignId, attemptId: link.attemptId, sessionId });
      this.#ctx.storage.sql.exec("UPDATE campaign_link SET notice = 2 WHERE id = 1");
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", message: "campaign runner not told of the session's end; retried from the alarm", sessionId, campaignId: link.campaignId, errorName: err instanceof Error ? err.name : typeof err }));
    }
  }
}
