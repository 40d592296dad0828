// Postgres is the system of record for session history: every status change of the room is
// written to its `sessions` row. A failed write is retried from the room's alarm, so an outage
// of the database delays the row but never loses the change. The writes that make the row Active
// or terminal also run the hosting Worker's hook in the same transaction (the Worker writes the
// session's webhook events there, and with the terminal write records its usage: keyed by the
// session id, so a retried or replayed write records nothing more). Pending and dispatching rows
// are written without a transaction: nothing is recorded with them.
import { eq } from "drizzle-orm";
import type { SessionStatus } from "@speaknode/contracts";
import { createDatabase, databaseOptionsFromEnv, sessions, type Database } from "@speaknode/db";
import { isTerminal } from "./state-machine.ts";
import type { ObjectEnv } from "../shared/env.ts";

export interface RowState {
  sessionId: string;
  status: SessionStatus;
  failureReason: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

/** What the hook learns of the write: the row's state, and whether a recording will be (or was) uploaded. */
export interface RowWrite extends RowState {
  /** The runtime's `session.completed` said so (false for every other status). */
  audioAvailable: boolean;
}

export const syncRetryMs = 5_000;

export type RowTx = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Runs in the transaction of an Active or terminal write; what it returns (non-null) is what it recorded. */
export type RowWriteHook<R> = (tx: RowTx, write: RowWrite) => Promise<R | null>;

/** Whether a write of this status runs the hook (in a transaction). */
export const recordsWith = (status: SessionStatus): boolean => status === "active" || isTerminal(status);

/** Writes the row; returns what `hook` recorded with an Active or terminal write, else null. */
export async function writeSessionRow<R>(env: ObjectEnv, state: RowWrite, hook?: RowWriteHook<R>): Promise<R | null> {
  const handle = createDatabase(databaseOptionsFromEnv(env, 1));
  const values = {
    status: state.status,
    failureReason: state.failureReason,
    startedAt: state.startedAt === null ? null : new Date(state.startedAt),
    endedAt: state.endedAt === null ? null : new Date(state.endedAt),
  };
  try {
    // Only the writes that record something pay for a transaction: what they record commits with the row or not at all.
    if (!hook || !recordsWith(state.status)) {
      await handle.db.update(sessions).set(values).where(eq(sessions.id, state.sessionId));
      return null;
    }
    return await handle.db.transaction(async (tx) => {
      await tx.update(sessions).set(values).where(eq(sessions.id, state.sessionId));
      return hook(tx, state);
    });
  } finally {
    await handle.close();
  }
}
