// Replay: a person asks for a delivery again — one delivery, or every failed one of the space (or
// of one endpoint) since a time. The delivery goes back to pending, due now, and one attempt is
// queued with trigger `replay`; its attempt count continues. The event (and so `webhook-id` and
// the body) is the same, so a receiver that de-duplicates sees a repeat.
import { and, eq, exists, gte, ne, type SQL } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints, type Database } from "@speaknode/db";
import { ApiError, notFound } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { endpointResource } from "./endpoints.ts";
import { webhooksQueue, enqueueDeliver } from "./protocol.ts";
import type { DeliveryRow } from "./serialize.ts";
import type { WorkerEnv } from "../env.ts";

const endpointDisabled = () => new ApiError("conflict", "the endpoint is disabled: enable it first (PATCH it with enabled: true), then replay");

// A queued replay that is lost still happens: the delivery is pending and due now, which the
// cron sweep picks up. So the answer is 202 either way.
async function send(env: WorkerEnv, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    if (ids.length === 1 && ids[0]) {
      await enqueueDeliver(env, ids[0], "replay");
      return;
    }
    const queue = webhooksQueue(env);
    // Queues take at most 100 messages per batch.
    for (let i = 0; i < ids.length; i += 100) {
      await queue.sendBatch(ids.slice(i, i + 100).map((deliveryId) => ({ body: { kind: "deliver" as const, deliveryId, trigger: "replay" as const } })));
    }
  } catch (err) {
    log.warn("webhooks: queueing a replay failed; the sweep will attempt it", { count: ids.length, ...errorFields(err) });
  }
}

/** Replays one delivery: 409 while it is still pending (its schedule is running) or when its endpoint is disabled. */
export async function replayDelivery(db: Database, env: WorkerEnv, row: DeliveryRow, now = new Date()): Promise<DeliveryRow> {
  const [endpoint] = await db.select({ enabled: webhookEndpoints.enabled }).from(webhookEndpoints).where(eq(webhookEndpoints.id, row.endpointId));
  if (!endpoint) throw notFound(endpointResource);
  if (!endpoint.enabled) throw endpointDisabled();
  // One statement, so two replays at once make one attempt chain, not two.
  const [updated] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: now, completedAt: null, updatedAt: now })
    .where(and(eq(webhookDeliveries.id, row.id), ne(webhookDeliveries.status, "pending")))
    .returning();
  if (!updated) throw new ApiError("conflict", "this delivery is still pending: its attempts are running on their schedule");
  await send(env, [updated.id]);
  return updated;
}

/**
 * Replays every failed delivery of the space created since `since` (of one endpoint when given),
 * skipping endpoints that are disabled; 409 when the one endpoint named is disabled. Answers how
 * many were replayed.
 */
export async function replayFailedSince(db: Database, env: WorkerEnv, spaceId: string, since: Date, endpointId?: string, now = new Date()): Promise<number> {
  if (endpointId !== undefined) {
    const [endpoint] = await db.select({ enabled: webhookEndpoints.enabled }).from(webhookEndpoints).where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.spaceId, spaceId)));
    if (!endpoint) throw notFound(endpointResource);
    if (!endpoint.enabled) throw endpointDisabled();
  }
  const d = webhookDeliveries;
  const enabledEndpoint = exists(db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(and(eq(webhookEndpoints.id, d.endpointId), eq(webhookEndpoints.enabled, true))));
  const where: (SQL | undefined)[] = [eq(d.spaceId, spaceId), eq(d.status, "failed"), gte(d.createdAt, since), endpointId !== undefined ? eq(d.endpointId, endpointId) : undefined, enabledEndpoint];
  const replayed = await db
    .update(d)
    .set({ status: "pending", nextAttemptAt: now, completedAt: null, updatedAt: now })
    .where(and(...where))
    .returning({ id: d.id });
  await send(env, replayed.map((r) => r.id));
  return replayed.length;
}
