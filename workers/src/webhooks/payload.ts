// What a delivery sends: `{ type, timestamp, data }` built from its domain_events row at each
// attempt. jsonb keeps one key order, so every attempt and replay of an event sends the same bytes.
import type { WebhookEventType, WebhookPayload } from "@speaknode/contracts";

export interface EventRow {
  type: string;
  data: Record<string, unknown>;
  occurredAt: Date;
}

export function payloadOf(event: EventRow): WebhookPayload {
  return { type: event.type as WebhookEventType, timestamp: event.occurredAt.toISOString(), data: event.data };
}

/** The request body of every attempt of this event. */
export function bodyOf(event: EventRow): string {
  return JSON.stringify(payloadOf(event));
}
