// The test button: a `webhook.test` event and one delivery of it to this endpoint only (whatever
// the endpoint subscribes to), attempted now through the queue like any other delivery (trigger
// `test`). The event is written as already fanned out, so the sweep never sends it elsewhere.
import { newId } from "@speaknode/contracts";
import { domainEvents, webhookDeliveries, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { enqueueDeliver } from "./protocol.ts";
import type { DeliveryRow, EndpointRow } from "./serialize.ts";
import type { WorkerEnv } from "../env.ts";

export const testEventMessage = "A test event from Speaknode";

export async function sendTestEvent(db: Database, env: WorkerEnv, endpoint: EndpointRow, now = new Date()): Promise<DeliveryRow> {
  if (!endpoint.enabled) throw new ApiError("conflict", "the endpoint is disabled: enable it first (PATCH it with enabled: true)");
  const data = { endpointId: endpoint.id, message: testEventMessage };
  const delivery = await db.transaction(async (tx) => {
    const eventId = newId("domainEvent");
    await tx.insert(domainEvents).values({ id: eventId, spaceId: endpoint.spaceId, type: "webhook.test", data, fannedOutAt: now, occurredAt: now });
    const [row] = await tx
      .insert(webhookDeliveries)
      .values({ id: newId("webhookDelivery"), spaceId: endpoint.spaceId, endpointId: endpoint.id, eventId, eventType: "webhook.test", status: "pending", nextAttemptAt: now, createdAt: now, updatedAt: now })
      .returning();
    if (!row) throw new Error("inserting a test delivery returned no row");
    return row;
  });
  try {
    await enqueueDeliver(env, delivery.id, "test");
  } catch (err) {
    // Pending and due now: the sweep attempts it.
    log.warn("webhooks: queueing a test event failed; the sweep will attempt it", { deliveryId: delivery.id, ...errorFields(err) });
  }
  return delivery;
}
