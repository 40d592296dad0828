// Webhook rows → API bodies. An endpoint never carries its secret (only a hint of it) nor a custom
// header's value (only the names): the secret is answered once, by create and rotate, as
// WebhookEndpointWithSecret.
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEventType } from "@speaknode/contracts";
import type { webhookAttempts, webhookDeliveries, webhookEndpoints } from "@speaknode/db";
import { iso, isoOrNull } from "../lib/openapi.ts";
import { openSecret, secretHint } from "./secrets.ts";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;

/** The endpoint as the API shows it; `secretsKey` opens the secret for its hint. */
export async function toWebhookEndpoint(secretsKey: string, row: EndpointRow): Promise<WebhookEndpoint> {
  return toEndpointWithHint(row, secretHint(await openSecret(secretsKey, row.id, row.secret)));
}

/** The endpoint when its secret is already in hand (create, rotate). */
export function toEndpointWithHint(row: EndpointRow, hint: string): WebhookEndpoint {
  return {
    id: row.id,
    spaceId: row.spaceId,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes as WebhookEventType[],
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: isoOrNull(row.disabledAt),
    headerNames: row.customHeaderNames,
    secretHint: hint,
    // An expired overlap is over whether or not the row was tidied since.
    previousSecretExpiresAt: row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt.getTime() > Date.now() ? iso(row.previousSecretExpiresAt) : null,
    failingSince: isoOrNull(row.failingSince),
    lastSuccessAt: isoOrNull(row.lastSuccessAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function toWebhookDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    spaceId: row.spaceId,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: isoOrNull(row.nextAttemptAt),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: iso(row.createdAt),
    completedAt: isoOrNull(row.completedAt),
  };
}

export function toWebhookAttempt(row: AttemptRow): WebhookAttempt {
  return {
    id: row.id,
    number: row.number,
    trigger: row.trigger,
    url: row.url,
    requestHeaders: row.requestHeaders,
    requestBody: row.requestBody,
    responseStatus: row.responseStatus,
    responseBody: row.responseBody,
    latencyMs: row.latencyMs,
    error: row.error,
    succeeded: row.succeeded,
    startedAt: iso(row.startedAt),
  };
}
