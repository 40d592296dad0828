// call.voicemail: answering-machine detection concluded a machine (or a fax) answered the call.
// Written in the transaction that stores the verdict on the session; the first machine verdict of a
// call is the event (Twilio may send machine_start, then machine_end_beep: the key keeps one).
import { eq } from "drizzle-orm";
import { campaignAttempts, sessions } from "@speaknode/db";
import { emitEvent, eventKeys, type Db } from "./emit.ts";

/** Emits call.voicemail for the session; its id, or null (emitted before, or the session is gone). */
export async function emitCallVoicemail(tx: Db, sessionId: string, detection: string, detectedAt: Date): Promise<string | null> {
  const [s] = await tx
    .select({ spaceId: sessions.spaceId, agentId: sessions.agentId, campaignId: sessions.campaignId, campaignItemId: campaignAttempts.itemId })
    .from(sessions)
    .leftJoin(campaignAttempts, eq(campaignAttempts.id, sessions.campaignAttemptId))
    .where(eq(sessions.id, sessionId));
  if (!s) return null;
  return emitEvent(
    tx,
    s.spaceId,
    "call.voicemail",
    // agentId is null only when the agent was deleted during the call.
    { sessionId, agentId: s.agentId, detection, detectedAt: detectedAt.toISOString(), campaignId: s.campaignId, campaignItemId: s.campaignItemId },
    eventKeys.callVoicemail(sessionId),
  );
}
