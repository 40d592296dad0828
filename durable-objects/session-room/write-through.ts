// Postgres is the system of record for session history: every status change of the room is
// written to its `sessions` row. A failed write is retried from the room's alarm, so an outage
// of the database delays the row but never loses the change.
import { eq } from "drizzle-orm";
import type { SessionStatus } from "@speaknode/contracts";
import { createDatabase, databaseOptionsFromEnv, sessions } from "@speaknode/db";

export interface RowState {
  sessionId: string;
  status: SessionStatus;
  failureReason: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export const syncRetryMs = 5_000;

export async function writeSessionRow(env: Record<string, unknown>, state: RowState): Promise<void> {
  const handle = createDatabase(databaseOptionsFromEnv(env, 1));
  try {
    await handle.db
      .update(sessions)
      .set({
        status: state.status,
        failureReason: state.failureReason,
        startedAt: state.startedAt === null ? null : new Date(state.startedAt),
        endedAt: state.endedAt === null ? null : new Date(state.endedAt),
      })
      .where(eq(sessions.id, state.sessionId));
  } finally {
    await handle.close();
  }
}
