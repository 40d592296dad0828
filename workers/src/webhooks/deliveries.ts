// Reading delivery history: a space's deliveries (or one endpoint's), newest first, filtered by
// endpoint, event type and status, a page at a time; and one delivery with the payload it carries
// and every attempt made of it.
import { and, asc, desc, eq, lt, type SQL } from "drizzle-orm";
import type { WebhookDelivery, WebhookDeliveryDetail } from "@speaknode/contracts";
import { domainEvents, webhookAttempts, webhookDeliveries, type Database } from "@speaknode/db";
import { notFound } from "../errors.ts";
import { idCursor } from "../lib/id-cursor.ts";
import { payloadOf } from "./payload.ts";
import { toWebhookAttempt, toWebhookDelivery, type DeliveryRow } from "./serialize.ts";

export const deliveryResource = "webhook delivery";

export interface DeliveryQuery {
  endpointId?: string | undefined;
  eventType?: string | undefined;
  status?: DeliveryRow["status"] | undefined;
  cursor?: string | undefined;
  limit: number;
}


const deliveryCursor = idCursor("dlv", "webhookDelivery");

/** One page of a space's deliveries, newest first, and the next page's cursor (null on the last). */
export async function listDeliveries(db: Database, spaceId: string, q: DeliveryQuery): Promise<{ data: WebhookDelivery[]; nextCursor: string | null }> {
  const t = webhookDeliveries;
  const where: (SQL | undefined)[] = [
    eq(t.spaceId, spaceId),
    q.endpointId ? eq(t.endpointId, q.endpointId) : undefined,
    q.eventType ? eq(t.eventType, q.eventType) : undefined,
    q.status ? eq(t.status, q.status) : undefined,
    q.cursor ? lt(t.id, deliveryCursor.decode(q.cursor)) : undefined,
  ];
  const rows = await db
    .select()
    .from(t)
    .where(and(...where))
    .orderBy(desc(t.id))
    .limit(q.limit + 1);
  const page = deliveryCursor.page(rows, q.limit);
  return { data: page.rows.map(toWebhookDelivery), nextCursor: page.nextCursor };
}

/** A delivery of this space (another space's id is a made-up id's 404). */
export async function loadDelivery(db: Database, spaceId: string, id: string): Promise<DeliveryRow> {
  const [row] = await db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.spaceId, spaceId)));
  if (!row) throw notFound(deliveryResource);
  return row;
}

/** The delivery, the payload every attempt sends (built from its event as each attempt builds it) and its attempts in order. */
export async function deliveryDetail(db: Database, row: DeliveryRow): Promise<WebhookDeliveryDetail> {
  const [event] = await db.select().from(domainEvents).where(eq(domainEvents.id, row.eventId));
  if (!event) throw notFound(deliveryResource); // the event cascades its deliveries: deleted meanwhile
  const attempts = await db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, row.id)).orderBy(asc(webhookAttempts.number), asc(webhookAttempts.id));
  const payload = payloadOf(event);
  return { ...toWebhookDelivery(row), payload: { type: payload.type, timestamp: payload.timestamp, data: payload.data }, attemptLog: attempts.map(toWebhookAttempt) };
}
