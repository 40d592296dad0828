// API and wire shapes of outbound webhooks: a space's endpoints, the events delivered to them
// (Standard Webhooks signing; payload `{ type, timestamp, data }`, data versioned per type), each
// delivery and its attempts, the webhooks queue's messages and the dev inbox's list. Inbound routes
// and the inbound webhook log are in webhooks-inbound.ts.
import { z } from "zod";
import { jsonValue, text, urlText } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { SessionChannel } from "./sessions.ts";
import { HeaderName } from "./tools.ts";
import { UsageThresholdEvent } from "./billing.ts";
import { SessionAnalysis } from "./analysis.ts";

// ---------------------------------------------------------------------------------------------
// Events

/** Every event type a webhook may carry; `webhook.test` only from the test button. */
export const webhookEventTypes = [
  "session.started",
  "session.completed",
  "session.failed",
  "call.voicemail",
  "call.analysis.ready",
  "campaign.item.completed",
  "campaign.completed",
  "billing.usage_threshold",
  "webhook.test",
] as const;
export const WebhookEventType = z.enum(webhookEventTypes).meta({ id: "WebhookEventType" });
export type WebhookEventType = z.infer<typeof WebhookEventType>;
/** The version of every event's `data` layout; sent as the `speaknode-event-version` header. */
export const webhookEventVersion = 1;

export const SessionStartedData = z
  .object({
    sessionId: idSchema("session"),
    /** null when the agent was deleted while the session ran. */
    agentId: idSchema("agent").nullable(),
    channel: SessionChannel,
    direction: z.enum(["inbound", "outbound"]).nullable(),
    startedAt: Timestamp,
    campaignId: idSchema("campaign").nullable(),
    campaignItemId: idSchema("campaignItem").nullable(),
  })
  .meta({ id: "SessionStartedData" });
export type SessionStartedData = z.infer<typeof SessionStartedData>;

export const SessionCompletedData = SessionStartedData.extend({
  endedAt: Timestamp,
  durationSeconds: z.number().int().min(0),
  /** How it ended: `completed` (hang-up or goodbye), `max_duration`, `transferred`, … */
  endReason: text(),
  /** Signed links, valid until linksExpireAt (7 days): the transcript as JSON, the recording when there is one. */
  transcriptUrl: urlText(),
  recordingUrl: urlText().nullable(),
  linksExpireAt: Timestamp,
  /** pending: the analysis follows in call.analysis.ready; not_configured: none will (older events omit it). */
  analysisStatus: z.enum(["pending", "not_configured"]).optional(),
}).meta({ id: "SessionCompletedData" });
export type SessionCompletedData = z.infer<typeof SessionCompletedData>;

export const SessionFailedData = SessionStartedData.extend({
  startedAt: Timestamp.nullable(),
  failedAt: Timestamp,
  reason: text(),
}).meta({ id: "SessionFailedData" });
export type SessionFailedData = z.infer<typeof SessionFailedData>;

export const CallVoicemailData = z
  .object({
    sessionId: idSchema("session"),
    agentId: idSchema("agent").nullable(),
    /** What answering-machine detection concluded (`machine_start`, `machine_end_beep`, `fax`, …). */
    detection: text(),
    detectedAt: Timestamp,
    campaignId: idSchema("campaign").nullable(),
    campaignItemId: idSchema("campaignItem").nullable(),
  })
  .meta({ id: "CallVoicemailData" });
export type CallVoicemailData = z.infer<typeof CallVoicemailData>;

/** A session's post-call analysis finished (completed, or failed after its retries). */
export const CallAnalysisReadyData = z
  .object({
    sessionId: idSchema("session"),
    agentId: idSchema("agent").nullable(),
    campaignId: idSchema("campaign").nullable(),
    campaignItemId: idSchema("campaignItem").nullable(),
    analysis: SessionAnalysis,
  })
  .meta({ id: "CallAnalysisReadyData" });
export type CallAnalysisReadyData = z.infer<typeof CallAnalysisReadyData>;

export const CampaignItemCompletedData = z
  .object({
    campaignId: idSchema("campaign"),
    itemId: idSchema("campaignItem"),
    /** The item's final status: completed, failed, skipped or cancelled. */
    status: text(),
    /** The last attempt's outcome (answered, no_answer, busy, voicemail, failed, …), null when none was made. */
    outcome: text().nullable(),
    attempts: z.number().int().min(0),
    sessionId: idSchema("session").nullable(),
    completedAt: Timestamp,
  })
  .meta({ id: "CampaignItemCompletedData" });
export type CampaignItemCompletedData = z.infer<typeof CampaignItemCompletedData>;

export const CampaignCompletedData = z
  .object({
    campaignId: idSchema("campaign"),
    name: text(),
    /** completed or cancelled. */
    status: text(),
    counts: z.record(text(), z.number().int()),
    completedAt: Timestamp,
  })
  .meta({ id: "CampaignCompletedData" });
export type CampaignCompletedData = z.infer<typeof CampaignCompletedData>;

export const BillingUsageThresholdData = UsageThresholdEvent.meta({ id: "BillingUsageThresholdData" });

export const WebhookTestData = z.object({ endpointId: idSchema("webhookEndpoint"), message: text() }).meta({ id: "WebhookTestData" });

/** The data layout of each event type (version webhookEventVersion). */
export const webhookEventData = {
  "session.started": SessionStartedData,
  "session.completed": SessionCompletedData,
  "session.failed": SessionFailedData,
  "call.voicemail": CallVoicemailData,
  "call.analysis.ready": CallAnalysisReadyData,
  "campaign.item.completed": CampaignItemCompletedData,
  "campaign.completed": CampaignCompletedData,
  "billing.usage_threshold": BillingUsageThresholdData,
  "webhook.test": WebhookTestData,
} as const satisfies Record<WebhookEventType, z.ZodType>;

/** The body of one delivery: the event's type, when it happened, and its data. */
export function webhookPayloadSchema<T extends WebhookEventType>(type: T) {
  return z.object({ type: z.literal(type), timestamp: Timestamp, data: webhookEventData[type] });
}
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

// What every delivery sets itself and what only the connection may set: a custom header may not
// replace them (refused when saved, skipped when sent).
const reservedHeaderNames = new Set(["content-type", "user-agent", "host", "content-length", "connection", "transfer-encoding", "te", "trailer", "upgrade", "keep-alive", "expect"]);
const reservedHeaderPrefixes = ["webhook-", "speaknode-"];

/** Whether a custom header name is one a delivery sets itself (any case). */
export function isReservedWebhookHeader(name: string): boolean {
  const lower = name.trim().toLowerCase();
  return reservedHeaderNames.has(lower) || reservedHeaderPrefixes.some((p) => lower.startsWith(p));
}

/** Custom headers sent with every delivery (values are secrets: write-only). */
export const WebhookCustomHeaders = z.record(HeaderName, text().min(1).max(2000)).refine((h) => Object.keys(h).length <= 20, "at most 20 headers");
/** Event types an endpoint receives; empty: all of them (webhook.test always). */
const SubscribedTypes = z.array(WebhookEventType.exclude(["webhook.test"])).max(50);

export const WebhookEndpointCreate = z
  .strictObject({
    url: urlText().max(2000),
    description: text().max(500).default(""),
    eventTypes: SubscribedTypes.default([]),
    enabled: z.boolean().default(true),
    headers: WebhookCustomHeaders.optional(),
  })
  .meta({ id: "WebhookEndpointCreate" });
export type WebhookEndpointCreate = z.infer<typeof WebhookEndpointCreate>;

export const WebhookEndpointUpdate = z
  .strictObject({
    url: urlText().max(2000).optional(),
    description: text().max(500).optional(),
    eventTypes: SubscribedTypes.optional(),
    /** true re-enables a disabled endpoint (and clears its failing streak). */
    enabled: z.boolean().optional(),
    /** Replaces every custom header; null removes them. A new URL origin needs them given again. */
    headers: WebhookCustomHeaders.nullable().optional(),
  })
  .meta({ id: "WebhookEndpointUpdate" });
export type WebhookEndpointUpdate = z.infer<typeof WebhookEndpointUpdate>;

export const WebhookEndpoint = z
  .object({
    id: idSchema("webhookEndpoint"),
    spaceId: idSchema("space"),
    url: text(),
    description: text(),
    eventTypes: z.array(WebhookEventType),
    enabled: z.boolean(),
    disabledReason: z.enum(["manual", "gone", "failing"]).nullable(),
    disabledAt: Timestamp.nullable(),
    /** Names of the custom headers (their values are never returned). */
    headerNames: z.array(text()),
    /** "…" and the last 4 characters of the signing secret. */
    secretHint: text(),
    /** Until when the previous secret's signature is also sent, after a rotation. */
    previousSecretExpiresAt: Timestamp.nullable(),
    failingSince: Timestamp.nullable(),
    lastSuccessAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "WebhookEndpoint" });
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** The endpoint with its signing secret: answered once, by create and rotate. */
export const WebhookEndpointWithSecret = WebhookEndpoint.extend({ secret: text() }).meta({ id: "WebhookEndpointWithSecret" });
export const WebhookEndpointList = z.object({ data: z.array(WebhookEndpoint) }).meta({ id: "WebhookEndpointList" });

export const WebhookSecretRotate = z
  .strictObject({
    /** How long the previous secret keeps signing too (0: stop at once). */
    overlapHours: z.number().int().min(0).max(168).default(24),
  })
  .meta({ id: "WebhookSecretRotate" });

// ---------------------------------------------------------------------------------------------
// Deliveries and attempts

export const WebhookDeliveryStatus = z.enum(["pending", "succeeded", "failed"]).meta({ id: "WebhookDeliveryStatus" });
export const WebhookAttemptTrigger = z.enum(["auto", "replay", "test"]).meta({ id: "WebhookAttemptTrigger" });

export const WebhookAttempt = z
  .object({
    id: idSchema("webhookAttempt"),
    number: z.number().int(),
    trigger: WebhookAttemptTrigger,
    url: text(),
    /** As sent; the signature and custom header values redacted. */
    requestHeaders: z.record(text(), text()),
    requestBody: text(),
    responseStatus: z.number().int().nullable(),
    /** The first 4 KiB. */
    responseBody: text().nullable(),
    latencyMs: z.number().int(),
    error: text().nullable(),
    succeeded: z.boolean(),
    startedAt: Timestamp,
  })
  .meta({ id: "WebhookAttempt" });
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z
  .object({
    id: idSchema("webhookDelivery"),
    spaceId: idSchema("space"),
    endpointId: idSchema("webhookEndpoint"),
    /** The `webhook-id` of every attempt. */
    eventId: idSchema("domainEvent"),
    eventType: text(),
    status: WebhookDeliveryStatus,
    attempts: z.number().int(),
    nextAttemptAt: Timestamp.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: text().nullable(),
    createdAt: Timestamp,
    completedAt: Timestamp.nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryDetail = WebhookDelivery.extend({
  /** The payload as delivered. */
  payload: z.object({ type: text(), timestamp: Timestamp, data: z.record(text(), jsonValue()) }),
  attempts: z.number().int(),
  attemptLog: z.array(WebhookAttempt),
}).meta({ id: "WebhookDeliveryDetail" });
export type WebhookDeliveryDetail = z.infer<typeof WebhookDeliveryDetail>;

export const WebhookDeliveryList = z
  .object({ data: z.array(WebhookDelivery), nextCursor: text().nullable() })
  .meta({ id: "WebhookDeliveryList" });

export const WebhookDeliveryFilters = z.object({
  endpointId: idSchema("webhookEndpoint").optional(),
  eventType: text().max(100).optional(),
  status: WebhookDeliveryStatus.optional(),
  /** Opaque: the previous page's nextCursor. */
  cursor: text().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Replays every failed delivery since a time (of one endpoint, or all). */
export const WebhookBulkReplay = z
  .strictObject({ since: Timestamp, endpointId: idSchema("webhookEndpoint").optional() })
  .meta({ id: "WebhookBulkReplay" });
export const WebhookBulkReplayResult = z.object({ replayed: z.number().int() }).meta({ id: "WebhookBulkReplayResult" });

/** The webhooks queue: fan an event out to its endpoints, or make one attempt of a delivery. */
export const WebhooksMessage = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("fanout"), eventId: idSchema("domainEvent") }),
  z.strictObject({ kind: z.literal("deliver"), deliveryId: idSchema("webhookDelivery"), trigger: WebhookAttemptTrigger }),
]);
export type WebhooksMessage = z.infer<typeof WebhooksMessage>;

/** What the development inbox (/dev/webhook-inbox.json, dev tools only) lists: a delivery it received. */
export const DevInboxMessage = z.object({
  id: text(),
  box: text(),
  eventType: text().nullable(),
  webhookId: text().nullable(),
  headers: z.record(text(), text()),
  body: text(),
  /** Whether the Standard Webhooks signature verified against an endpoint of this inbox URL (null: none matched). */
  signatureValid: z.boolean().nullable(),
  answeredStatus: z.number().int(),
  receivedAt: Timestamp,
});
export type DevInboxMessage = z.infer<typeof DevInboxMessage>;
