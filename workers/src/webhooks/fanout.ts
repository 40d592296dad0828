// Fan-out: one delivery per enabled endpoint of the event's space that subscribes to its type
// (an empty list subscribes to every type). `webhook.test` is never fanned out: the test button
// writes its one delivery itself. Deliveries are unique per (endpoint, event), and the event is
// marked fanned out in the same transaction, so a fan-out repeated by a redelivered message or the
// sweep creates nothing twice.
import { and, eq, isNull, sql } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { domainEvents, spaces, webhookDeliveries, webhookEndpoints, type Database } from "@speaknode/db";

export const testEventType = "webhook.test";

/** Creates the event's deliveries (pending, due now); the ids of those it created. */
export async function fanOutEvent(db: Database, eventId: string, now: Date = new Date()): Promise<string[]> {
  return db.transaction(async (tx) => {
    // The space's row first, as a delete of the space takes it (then its events, by cascade): the
    // deliveries' foreign keys would otherwise lock it after the event, and the two would deadlock.
    await tx.execute(sql`select ${spaces.id} from ${spaces} where ${spaces.id} = (select ${domainEvents.spaceId} from ${domainEvents} where ${domainEvents.id} = ${eventId}) for key share`);
    // Locks the event: a concurrent fan-out of it waits, then finds it fanned out.
    const [event] = await tx
      .select({ id: domainEvents.id, spaceId: domainEvents.spaceId, type: domainEvents.type })
      .from(domainEvents)
      .where(and(eq(domainEvents.id, eventId), isNull(domainEvents.fannedOutAt)))
      .for("update");
    if (!event) return [];
    await tx.update(domainEvents).set({ fannedOutAt: now }).where(eq(domainEvents.id, eventId));
    if (event.type === testEventType) return [];
    const endpoints = await tx
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookEndpoints.spaceId, event.spaceId),
          eq(webhookEndpoints.enabled, true),
          sql`(${webhookEndpoints.eventTypes} = '[]'::jsonb or ${webhookEndpoints.eventTypes} @> ${JSON.stringify([event.type])}::jsonb)`,
        ),
      );
    if (endpoints.length === 0) return [];
    const rows = await tx
      .insert(webhookDeliveries)
      .values(endpoints.map((e) => ({ id: newId("webhookDelivery"), spaceId: event.spaceId, endpointId: e.id, eventId: event.id, eventType: event.type, status: "pending" as const, nextAttemptAt: now })))
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id });
    return rows.map((r) => r.id);
  });
}
