// Test helpers of the webhook events: the events of a key, their data checked against the
// contract's layout, and a recorder of the webhooks queue's announcements.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { eq, like } from "drizzle-orm";
import { webhookEventData, type WebhookEventType } from "@speaknode/contracts";
import { domainEvents, webhooksQueueBinding } from "@speaknode/db";
import { withDb } from "../../../test/helpers.ts";

export type EventRow = typeof domainEvents.$inferSelect;

/** Every event whose key starts with `prefix` (a key, or `campaign.item.completed:cit_…:`). */
export function eventsKeyed(prefix: string): Promise<EventRow[]> {
  return withDb((db) => db.select().from(domainEvents).where(like(domainEvents.key, `${prefix}%`)).orderBy(domainEvents.occurredAt));
}

export function eventsOfSpace(spaceId: string): Promise<EventRow[]> {
  return withDb((db) => db.select().from(domainEvents).where(eq(domainEvents.spaceId, spaceId)).orderBy(domainEvents.occurredAt));
}

/** The event's data parsed with its type's layout (throws, naming the field, when it does not fit). */
export function parsedData(row: EventRow): Record<string, unknown> {
  const schema = webhookEventData[row.type as WebhookEventType];
  if (!schema) throw new Error(`no data layout for ${row.type}`);
  return schema.parse(row.data) as Record<string, unknown>;
}

export interface Announcements {
  /** Event ids announced, in order. */
  ids: string[];
  restore(): void;
}

/**
 * Records what is announced on the webhooks queue through `target` (the test env, by default; or a
 * Durable Object's own env, given its stub): the binding is swapped for a recorder until restore().
 */
export async function recordAnnouncements(target?: DurableObjectStub): Promise<Announcements> {
  const bindings = target ? await runInDurableObject(target, (instance) => (instance as unknown as { env: Record<string, unknown> }).env) : (env as unknown as Record<string, unknown>);
  const original = bindings[webhooksQueueBinding];
  const ids: string[] = [];
  const record = (body: unknown) => {
    const message = body as { kind?: string; eventId?: string };
    if (message.kind === "fanout" && message.eventId) ids.push(message.eventId);
  };
  bindings[webhooksQueueBinding] = {
    send: async (body: unknown) => record(body),
    sendBatch: async (messages: Iterable<{ body: unknown }>) => {
      for (const m of messages) record(m.body);
    },
  };
  return { ids, restore: () => void (bindings[webhooksQueueBinding] = original) };
}

export async function waitFor<T>(read: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
