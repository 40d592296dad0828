// Domain events, the outbox of webhooks: a change writes its event in its own transaction
// (emitDomainEvent), then announces the event's id on the webhooks queue after the commit
// (announceDomainEvents). The queue's consumer fans it out to the space's endpoints; an
// announcement lost to a crash is found by the cron sweep (events whose fanned_out_at is null).
// Used by the Worker and by the Durable Objects, so it depends on this package alone.
import { domainEvents } from "./schema-billing.ts";
import type { Database } from "./client.ts";

type Inserter = Pick<Database, "insert">;

export interface DomainEventInput {
  spaceId: string;
  type: string;
  data: Record<string, unknown>;
  /** What makes the event unique (`session.completed:ses_…`); a second emit with it inserts nothing. */
  key?: string;
  /** The event's id (`evt_…`), made by the caller (newId("domainEvent")). */
  id: string;
}

/** Inserts the event; its id, or null when an event with the same key was emitted before. */
export async function emitDomainEvent(db: Inserter, event: DomainEventInput): Promise<string | null> {
  const rows = await db
    .insert(domainEvents)
    .values({ id: event.id, spaceId: event.spaceId, type: event.type, data: event.data, key: event.key ?? null })
    .onConflictDoNothing()
    .returning({ id: domainEvents.id });
  return rows[0]?.id ?? null;
}

/** The producer binding of the webhooks queue (wrangler.toml). */
export const webhooksQueueBinding = "WEBHOOKS_QUEUE";

interface SendOnly {
  send(body: unknown): Promise<unknown>;
  sendBatch(messages: Iterable<{ body: unknown }>): Promise<unknown>;
}

/** Queue batches hold at most 100 messages. */
const batchLimit = 100;

/**
 * Announces committed events on the webhooks queue ({ kind: "fanout", eventId }), in batches the
 * queue takes. Never throws: an event not announced is fanned out by the cron sweep. Returns how
 * many were sent.
 */
export async function announceDomainEvents(env: Record<string, unknown>, eventIds: readonly (string | null)[]): Promise<number> {
  const ids = eventIds.filter((id): id is string => typeof id === "string");
  const queue = env[webhooksQueueBinding] as SendOnly | undefined;
  if (ids.length === 0 || !queue || typeof queue.sendBatch !== "function") return 0;
  let sent = 0;
  for (let i = 0; i < ids.length; i += batchLimit) {
    const batch = ids.slice(i, i + batchLimit);
    try {
      await queue.sendBatch(batch.map((eventId) => ({ body: { kind: "fanout", eventId } })));
      sent += batch.length;
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", message: "webhooks: announcing events failed; the sweep will fan them out", count: batch.length, errorName: err instanceof Error ? err.name : typeof err }));
    }
  }
  return sent;
}
