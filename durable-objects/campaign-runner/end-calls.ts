// Cancel with cancel_mode end_calls: every live call of the campaign is hung up through the same
// path as POST /v1/sessions/{id}/end (workers/src/telephony/hangup.ts). Each hang-up is asked once
// (again a minute later if the call is still live); the sessions then end as other calls do, and
// the reconcile applies their outcomes.
import { inArray } from "drizzle-orm";
import { sessions } from "@speaknode/db";
import { ApiError } from "../../workers/src/errors.ts";
import { endSession, type HangupDeps } from "../../workers/src/telephony/hangup.ts";
import type { RunnerStore } from "./storage.ts";

const askAgainMs = 60_000;

export async function endLiveCalls(deps: HangupDeps, store: RunnerStore, now: number): Promise<number> {
  const due = store.live().filter((a) => a.sessionId !== null && (a.endRequestedAt === null || now - a.endRequestedAt >= askAgainMs));
  const ids = due.flatMap((a) => (a.sessionId ? [a.sessionId] : []));
  if (ids.length === 0) return 0;
  const rows = await deps.db.select().from(sessions).where(inArray(sessions.id, ids));
  let asked = 0;
  for (const a of due) {
    const row = rows.find((r) => r.id === a.sessionId);
    store.markEndRequested(a.attemptId, now);
    if (!row || row.status === "completed" || row.status === "failed") continue;
    try {
      await endSession(deps, row);
      asked++;
    } catch (err) {
      // A call that ended meanwhile is a conflict; anything else is asked again later.
      if (!(err instanceof ApiError && err.code === "conflict")) {
        console.warn(JSON.stringify({ level: "warn", message: "campaign cancel: a live call could not be hung up", sessionId: row.id, errorName: err instanceof Error ? err.name : typeof err }));
      }
    }
  }
  return asked;
}
