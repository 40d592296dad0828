// The SessionRoom the Worker hosts: the room's lifecycle unchanged, plus what the Worker records
// with its row writes — the session's webhook events (with the write to Active and the terminal
// write), its usage and whether it gets a post-call analysis (terminal write), in the write's
// transaction; after the commit, the usage's alerts and Lago message, the events announced on the
// webhooks queue and the analysis on the analysis queue. The room depends on
// packages only; the Worker (which may import the Durable Objects it hosts) extends it here, and
// workers/src/index.ts exports this class under the binding's name.
import { announceDomainEvents } from "@speaknode/db";
import { enqueueAnalysis } from "../analysis/enqueue.ts";
import { planAnalysis } from "../analysis/plan.ts";
import { SessionRoom as BaseSessionRoom } from "../../../durable-objects/session-room/index.ts";
import type { RowTx, RowWrite } from "../../../durable-objects/session-room/write-through.ts";
import { isTerminal } from "../../../durable-objects/session-room/state-machine.ts";
import { readConfig } from "../config.ts";
import { linkOrigin } from "../sessions/recording-urls.ts";
import { emitSessionEvents } from "../webhooks/events/session.ts";
import { afterUsageRecorded } from "./after-usage.ts";
import { recordSessionUsage, type UsageRow } from "./usage.ts";

export interface RowRecorded {
  /** The session's usage row, written by this terminal write (null: nothing billable, or recorded before). */
  usage: UsageRow | null;
  /** Webhook events this write inserted. */
  eventIds: string[];
  /** The session, when this terminal write queued its post-call analysis. */
  analysisSessionId: string | null;
}

export class SessionRoom extends BaseSessionRoom {
  /** The events and the usage, in the transaction of the row write; null when it recorded nothing. */
  protected override async recordRowWrite(tx: RowTx, write: RowWrite): Promise<RowRecorded | null> {
    const config = readConfig(this.env);
    // Before the events: session.completed says whether an analysis follows.
    const analysis = isTerminal(write.status) ? await planAnalysis(tx, write.sessionId) : null;
    const eventIds = await emitSessionEvents(tx, write, { secret: config.runtime.tokenSecret, origin: linkOrigin(config) });
    const usage = isTerminal(write.status) ? await recordSessionUsage(tx, write.sessionId, config.billing.defaultPlan) : null;
    const analysisSessionId = analysis?.status === "pending" ? write.sessionId : null;
    return usage === null && eventIds.length === 0 && analysisSessionId === null ? null : { usage, eventIds, analysisSessionId };
  }

  /** Alerts and, with Lago, the usage message; the events announced; the analysis queued. Never throws. */
  protected override async afterRowRecorded(recorded: RowRecorded): Promise<void> {
    await Promise.all([
      recorded.usage ? afterUsageRecorded(this.env, recorded.usage) : undefined,
      announceDomainEvents(this.env, recorded.eventIds),
      recorded.analysisSessionId ? enqueueAnalysis(this.env, [recorded.analysisSessionId]) : undefined,
    ]);
  }
}
