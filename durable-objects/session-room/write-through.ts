// Postgres is the system of record for session history: every status change of the room is
// written to its `sessions` row. A failed write is retried from the room's alarm, so an outage
// of the database delays the row but never loses the change. The write that makes the row
// terminal also runs the hosting Worker's hook in the same transaction (billing records the
// session's usage there, once per session id, so a retried or replayed end records nothing more).
import { eq } from "drizzle-orm";
import type { SessionStatus } from "@speaknode/contracts";
import { createDatabase, databaseOptionsFromEnv, sessions, type Database } from "@speaknode/db";
import { isTerminal } from "./state-machine.ts";

export interface RowState {
  sessionId: string;
  status: SessionStatus;
  failureReason: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export const syncRetryMs = 5_000;

export type RowTx = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Runs in the transaction of the terminal write; what it returns (non-null) is what it recorded. */
export type TerminalWrite<R> = (tx: RowTx, sessionId: string) => Promise<R | null>;

/** Writes the row; returns what `onTerminal` recorded with a terminal write, else null. */
export async function writeSessionRow<R>(env: Record<string, unknown>, state: RowState, onTerminal?: TerminalWrite<R>): Promise<R | null> {
  const terminal = isTerminal(state.status) && onTerminal !== undefined;
  const handle = createDatabase(databaseOptionsFromEnv(env, 1));
  const values = {
    status: state.status,
    failureReason: state.failureReason,
    startedAt: state.startedAt === null ? null : new Date(state.startedAt),
    endedAt: state.endedAt === null ? null : new Date(state.endedAt),
  };
  try {
    // Only the terminal write pays for a transaction (its usage must commit with the row or not at all).
    if (!terminal || !onTerminal) {
      await handle.db.update(sessions).set(values).where(eq(sessions.id, state.sessionId));
      return null;
    }
    return await handle.db.transaction(async (tx) => {
      await tx.update(sessions).set(values).where(eq(sessions.id, state.sessionId));
      return onTerminal(tx, state.sessionId);
    });
  } finally {
    await handle.close();
  }
}
