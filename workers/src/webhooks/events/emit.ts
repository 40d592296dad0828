// Writing a webhook event: its data typed by the contract's layout for its type, its key (what makes
// it unique: a second emit with the key inserts nothing, so a replayed or retried change emits no
// duplicate), in the caller's transaction. The caller announces the returned ids after its commit
// (announceDomainEvents). The keys of every event type are here, in one place.
import type { z } from "zod";
import { newId, type WebhookEventType, type webhookEventData } from "@speaknode/contracts";
import { emitDomainEvent, type Database } from "@speaknode/db";

export type EventData<T extends WebhookEventType> = z.input<(typeof webhookEventData)[T]>;
/** A database or a transaction: anything that inserts. */
export type EventWriter = Pick<Database, "insert">;
/** A database or a transaction, for builders that read what the event says. */
export type Db = Pick<Database, "insert" | "select">;

export const eventKeys = {
  sessionStarted: (sessionId: string) => `session.started:${sessionId}`,
  /** completed or failed: one end per session. */
  sessionEnded: (sessionId: string) => `session.ended:${sessionId}`,
  callVoicemail: (sessionId: string) => `call.voicemail:${sessionId}`,
  /** completed or failed after its retries: one per session. */
  callAnalysisReady: (sessionId: string) => `call.analysis.ready:${sessionId}`,
  campaignItemCompleted: (itemId: string, attempts: number) => `campaign.item.completed:${itemId}:${attempts}`,
  campaignCompleted: (campaignId: string) => `campaign.completed:${campaignId}`,
  usageThreshold: (spaceId: string, periodStart: Date, thresholdPercent: number) => `billing.usage_threshold:${spaceId}:${periodStart.toISOString()}:${thresholdPercent}`,
};

/** Inserts one event; its id, or null when its key was emitted before. */
export function emitEvent<T extends WebhookEventType>(db: EventWriter, spaceId: string, type: T, data: EventData<T>, key: string): Promise<string | null> {
  return emitDomainEvent(db, { id: newId("domainEvent"), spaceId, type, data: data as Record<string, unknown>, key });
}
