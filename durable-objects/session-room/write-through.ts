// Postgres is the system of record for session history: every status change of the room is
// written to its `sessions` row. A failed write is retried from the room's alarm, so an outage
// of the database delays the row but never loses the change. The write that makes the row
// terminal also records the session's billable usage in the same transaction (once: the usage
// row is keyed by the session id, so a retried or replayed end records nothing more).
import { eq } from "drizzle-orm";
import type { SessionStatus } from "@speaknode/contracts";
import { createDatabase, databaseOptionsFromEnv, sessions } from "@speaknode/db";
import { readConfig } from "../../workers/src/config.ts";
import { recordSessionUsage, type UsageRow } from "../../workers/src/billing/usage.ts";
import { isTerminal } from "./state-machine.ts";

export interface RowState {
  sessionId: string;
  status: SessionStatus;
  failureReason: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export const syncRetryMs = 5_000;

/** Writes the row; returns the usage it recorded (a billable session's first terminal write), else null. */
export async function writeSessionRow(env: Record<string, unknown>, state: RowState): Promise<UsageRow | null> {
  const terminal = isTerminal(state.status);
  const defaultPlan = terminal ? readConfig(env).billing.defaultPlan : "";
  const handle = createDatabase(databaseOptionsFromEnv(env, 1));
  try {
    return await handle.db.transaction(async (tx) => {
      await tx
        .update(sessions)
        .set({
          status: state.status,
          failureReason: state.failureReason,
          startedAt: state.startedAt === null ? null : new Date(state.startedAt),
          endedAt: state.endedAt === null ? null : new Date(state.endedAt),
        })
        .where(eq(sessions.id, state.sessionId));
      return terminal ? recordSessionUsage(tx, state.sessionId, defaultPlan) : null;
    });
  } finally {
    await handle.close();
  }
}
