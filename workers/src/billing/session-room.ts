// The SessionRoom the Worker hosts: the room's lifecycle unchanged, plus billing on its terminal
// row write. The room depends on packages only; the Worker (which may import the Durable Objects
// it hosts) extends it here, and workers/src/index.ts exports this class under the binding's name.
import { SessionRoom as BaseSessionRoom } from "../../../durable-objects/session-room/index.ts";
import type { RowTx } from "../../../durable-objects/session-room/write-through.ts";
import { readConfig } from "../config.ts";
import { afterUsageRecorded } from "./after-usage.ts";
import { recordSessionUsage, type UsageRow } from "./usage.ts";

export class SessionRoom extends BaseSessionRoom {
  /** The session's usage, in the transaction that writes its row terminal (null: nothing billable, or recorded before). */
  protected override recordTerminal(tx: RowTx, sessionId: string): Promise<UsageRow | null> {
    return recordSessionUsage(tx, sessionId, readConfig(this.env).billing.defaultPlan);
  }

  /** Alerts and, with Lago, the usage message; never throws. */
  protected override afterTerminalRecorded(usage: UsageRow): Promise<void> {
    return afterUsageRecorded(this.env, usage);
  }
}
