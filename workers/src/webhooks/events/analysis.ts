// call.analysis.ready: a session's post-call analysis finished — completed, or failed after its
// retries — written in the transaction that stores the outcome on the session's row (analysis/
// store.ts), once per session (its key), and announced by the caller after the commit. The data is
// the analysis as the session's API detail shows it.
import { eq } from "drizzle-orm";
import { campaignAttempts, sessions } from "@speaknode/db";
import { analysisColumns, sessionAnalysis } from "../../analysis/serialize.ts";
import { emitEvent, eventKeys, type Db, type EventData } from "./emit.ts";

/** Emits the event from the row as it now is; its id, or null when emitted before (or no such session). */
export async function emitAnalysisReady(tx: Db, sessionId: string): Promise<string | null> {
  const [row] = await tx
    .select({
      spaceId: sessions.spaceId,
      agentId: sessions.agentId,
      campaignId: sessions.campaignId,
      campaignItemId: campaignAttempts.itemId,
      ...analysisColumns,
    })
    .from(sessions)
    .leftJoin(campaignAttempts, eq(campaignAttempts.id, sessions.campaignAttemptId))
    .where(eq(sessions.id, sessionId));
  if (!row) return null;
  const data: EventData<"call.analysis.ready"> = {
    sessionId,
    agentId: row.agentId,
    campaignId: row.campaignId,
    campaignItemId: row.campaignItemId,
    analysis: sessionAnalysis(row),
  };
  return emitEvent(tx, row.spaceId, "call.analysis.ready", data, eventKeys.callAnalysisReady(sessionId));
}
