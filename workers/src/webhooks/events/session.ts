// The session's webhook events, written by the SessionRoom's row write (in its transaction):
// session.started with the write to Active, session.completed or session.failed with the terminal
// write. A terminal write also emits session.started when the session was ever Active: the write to
// Active may never have happened on its own (the room's retried write found the session already
// ended), and the key makes the usual repeat insert nothing.
//
// session.completed carries signed links valid 7 days: the transcript (GET /transcripts/{id}) and
// the composite recording when there is or will be one — the runtime's completion says a recording
// will be uploaded (it may land after the session ends: the link serves it once it exists), or the
// composite is already stored. A session whose runtime recorded nothing (recording disabled on the
// number, or no audio) gets null. Its analysisStatus is what the same write decided (analysis/plan.ts).
import { and, eq } from "drizzle-orm";
import { campaignAttempts, sessionRecordings, sessions } from "@speaknode/db";
import type { RowTx, RowWrite } from "../../../../durable-objects/session-room/write-through.ts";
import { signRecordingUrl, signTranscriptUrl } from "../../sessions/recording-urls.ts";
import { emitEvent, eventKeys, type EventData } from "./emit.ts";

/** How long the links of session.completed stay valid. */
export const sessionLinkTtlS = 7 * 24 * 3600;

export interface LinkSigner {
  /** The runtime token secret (the links' HMAC key material). */
  secret: string;
  /** Where the links point (linkOrigin). */
  origin: string;
}

type SessionFacts = Pick<typeof sessions.$inferSelect, "id" | "spaceId" | "agentId" | "channel" | "direction" | "campaignId" | "status" | "startedAt" | "endedAt" | "endReason" | "failureReason" | "analysisStatus"> & {
  campaignItemId: string | null;
};

const iso = (d: Date) => d.toISOString();

function startedData(s: SessionFacts, startedAt: Date): EventData<"session.started"> {
  return {
    sessionId: s.id,
    // Null only when the agent was deleted while the session ran.
    agentId: s.agentId,
    channel: s.channel,
    direction: s.channel === "phone" ? s.direction : null,
    startedAt: iso(startedAt),
    campaignId: s.campaignId,
    campaignItemId: s.campaignItemId,
  };
}

async function completedData(tx: RowTx, s: SessionFacts, write: RowWrite, links: LinkSigner, nowMs: number): Promise<EventData<"session.completed">> {
  const endedAt = s.endedAt ?? new Date(nowMs);
  const startedAt = s.startedAt ?? endedAt;
  const hasRecording =
    write.audioAvailable ||
    (await tx.select({ track: sessionRecordings.track }).from(sessionRecordings).where(and(eq(sessionRecordings.sessionId, s.id), eq(sessionRecordings.track, "composite")))).length > 0;
  const transcript = await signTranscriptUrl(links.secret, links.origin, s.id, sessionLinkTtlS, nowMs);
  const recording = hasRecording ? await signRecordingUrl(links.secret, links.origin, s.id, "composite", sessionLinkTtlS, nowMs) : null;
  return {
    ...startedData(s, startedAt),
    endedAt: iso(endedAt),
    durationSeconds: Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)),
    endReason: s.endReason ?? "completed",
    transcriptUrl: transcript.url,
    recordingUrl: recording?.url ?? null,
    linksExpireAt: iso(transcript.expiresAt),
    // Decided earlier in the same transaction (analysis/plan.ts): pending until call.analysis.ready.
    ...(s.analysisStatus === null ? {} : { analysisStatus: s.analysisStatus === "pending" ? ("pending" as const) : ("not_configured" as const) }),
  };
}

function failedData(s: SessionFacts): EventData<"session.failed"> {
  return {
    ...startedData(s, s.startedAt ?? new Date(0)),
    startedAt: s.startedAt ? iso(s.startedAt) : null,
    failedAt: iso(s.endedAt ?? new Date()),
    reason: s.failureReason ?? "failed",
  };
}

async function loadFacts(tx: RowTx, sessionId: string): Promise<SessionFacts | null> {
  const [row] = await tx
    .select({
      id: sessions.id,
      spaceId: sessions.spaceId,
      agentId: sessions.agentId,
      channel: sessions.channel,
      direction: sessions.direction,
      campaignId: sessions.campaignId,
      status: sessions.status,
      startedAt: sessions.startedAt,
      endedAt: sessions.endedAt,
      endReason: sessions.endReason,
      failureReason: sessions.failureReason,
      analysisStatus: sessions.analysisStatus,
      campaignItemId: campaignAttempts.itemId,
    })
    .from(sessions)
    .leftJoin(campaignAttempts, eq(campaignAttempts.id, sessions.campaignAttemptId))
    .where(eq(sessions.id, sessionId));
  return row ?? null;
}

/**
 * Emits what the row write (just made, in `tx`) tells: the ids of the events inserted (none for a
 * pending or dispatching write, nor for one emitted before).
 */
export async function emitSessionEvents(tx: RowTx, write: RowWrite, links: LinkSigner, nowMs = Date.now()): Promise<string[]> {
  if (write.status !== "active" && write.status !== "completed" && write.status !== "failed") return [];
  const s = await loadFacts(tx, write.sessionId);
  if (!s) return [];
  const ids: (string | null)[] = [];
  if (s.startedAt) ids.push(await emitEvent(tx, s.spaceId, "session.started", startedData(s, s.startedAt), eventKeys.sessionStarted(s.id)));
  if (write.status === "completed") ids.push(await emitEvent(tx, s.spaceId, "session.completed", await completedData(tx, s, write, links, nowMs), eventKeys.sessionEnded(s.id)));
  if (write.status === "failed") ids.push(await emitEvent(tx, s.spaceId, "session.failed", failedData(s), eventKeys.sessionEnded(s.id)));
  return ids.filter((id): id is string => id !== null);
}
