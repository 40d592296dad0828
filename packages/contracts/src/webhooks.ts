// API and wire shapes of webhooks, both ways. Outbound: a space's endpoints, the events delivered to
// them (Standard Webhooks signing; payload `{ type, timestamp, data }`, data versioned per type),
// each delivery and its attempts, and the webhooks queue's messages. Inbound: a space's routes
// (POST /hooks/{spaceId}/{name}) with their verification and mapping, the mapping preview, and the
// inbound webhook log of every provider or route request.
import { z } from "zod";
import { jsonValue, text, urlText } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { DispatchedSession, SessionChannel } from "./sessions.ts";
import { UsageThresholdEvent } from "./billing.ts";

// ---------------------------------------------------------------------------------------------
// Events

/** Every event type a webhook may carry; `webhook.test` only from the test button. */
export const webhookEventTypes = [
  "session.started",
  "session.completed",
  "session.failed",
  "call.voicemail",
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

const HeaderName = text().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "must be an HTTP header name");
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

// ---------------------------------------------------------------------------------------------
// Inbound routes

export const InboundRouteName = text().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lowercase letters, digits, - and _ (at most 64)");
export const HmacAlgorithm = z.enum(["sha1", "sha256", "sha512"]);

export const InboundVerification = z
  .discriminatedUnion("method", [
    /** webhook-id / webhook-timestamp / webhook-signature, secret `whsec_…` (5 minutes of tolerance). */
    z.strictObject({ method: z.literal("standard_webhooks") }),
    /** HMAC of the raw body in one header: `prefix` + hex or base64 digest (GitHub: x-hub-signature-256, sha256, hex, "sha256="). */
    z.strictObject({
      method: z.literal("hmac"),
      header: HeaderName,
      algorithm: HmacAlgorithm,
      encoding: z.enum(["hex", "base64"]),
      prefix: text().max(40).default(""),
    }),
    /** Authorization: Bearer <secret>. */
    z.strictObject({ method: z.literal("bearer") }),
  ])
  .meta({ id: "InboundVerification" });
export type InboundVerification = z.infer<typeof InboundVerification>;

/** A JSON pointer (RFC 6901) into the request's body: "" is the whole body, "/contact/phone" a field. */
export const JsonPointer = text().regex(/^(\/([^~/]|~[01])*)*$/, "must be a JSON pointer like /contact/phone").max(500);

export const InboundMapping = z
  .strictObject({
    /** The number to call (call, campaign_item): E.164 after normalisation. */
    phoneNumber: JsonPointer.optional(),
    /** The agent's variables by name; values are type-checked against the agent's variable schema. */
    variables: z.record(text().max(100), JsonPointer).default({}),
    /** The request's idempotency key in the body, when not sent as a webhook-id or Idempotency-Key header. */
    idempotencyKey: JsonPointer.optional(),
  })
  .meta({ id: "InboundMapping" });
export type InboundMapping = z.infer<typeof InboundMapping>;

export const InboundRouteAction = z.enum(["call", "campaign_item", "dispatch"]).meta({ id: "InboundRouteAction" });
export type InboundRouteAction = z.infer<typeof InboundRouteAction>;

export const InboundRouteCreate = z
  .strictObject({
    name: InboundRouteName,
    description: text().max(500).default(""),
    verification: InboundVerification,
    /** The shared secret (whsec_… for standard_webhooks); generated when absent and answered once. */
    secret: text().min(16).max(500).optional(),
    action: InboundRouteAction,
    /** call and dispatch: the agent; campaign_item: the campaign's agent is used. */
    agentId: idSchema("agent").optional(),
    campaignId: idSchema("campaign").optional(),
    /** call: the space's number to call from. */
    fromNumberId: idSchema("phoneNumber").optional(),
    mapping: InboundMapping,
    paused: z.boolean().default(false),
  })
  .meta({ id: "InboundRouteCreate" });
export type InboundRouteCreate = z.infer<typeof InboundRouteCreate>;

export const InboundRouteUpdate = z
  .strictObject({
    description: text().max(500).optional(),
    verification: InboundVerification.optional(),
    /** A new secret (the old one stops verifying at once). */
    secret: text().min(16).max(500).optional(),
    agentId: idSchema("agent").optional(),
    campaignId: idSchema("campaign").optional(),
    fromNumberId: idSchema("phoneNumber").optional(),
    mapping: InboundMapping.optional(),
    paused: z.boolean().optional(),
  })
  .meta({ id: "InboundRouteUpdate" });
export type InboundRouteUpdate = z.infer<typeof InboundRouteUpdate>;

export const InboundRoute = z
  .object({
    id: idSchema("inboundRoute"),
    spaceId: idSchema("space"),
    name: text(),
    /** Where to send requests: {PUBLIC_URL}/hooks/{spaceId}/{name}. */
    url: text(),
    description: text(),
    verification: InboundVerification,
    secretHint: text(),
    action: InboundRouteAction,
    agentId: idSchema("agent").nullable(),
    campaignId: idSchema("campaign").nullable(),
    fromNumberId: idSchema("phoneNumber").nullable(),
    mapping: InboundMapping,
    paused: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "InboundRoute" });
export type InboundRoute = z.infer<typeof InboundRoute>;
export const InboundRouteWithSecret = InboundRoute.extend({ secret: text() }).meta({ id: "InboundRouteWithSecret" });
export const InboundRouteList = z.object({ data: z.array(InboundRoute) }).meta({ id: "InboundRouteList" });

/** Resolves a mapping against a pasted sample payload, as a request would be resolved. */
export const InboundMappingPreviewRequest = z
  .strictObject({
    action: InboundRouteAction,
    agentId: idSchema("agent").optional(),
    campaignId: idSchema("campaign").optional(),
    mapping: InboundMapping,
    sample: jsonValue(),
  })
  .meta({ id: "InboundMappingPreviewRequest" });
export const InboundMappingPreview = z
  .object({
    ok: z.boolean(),
    phoneNumber: text().nullable(),
    variables: z.record(text(), jsonValue()),
    idempotencyKey: text().nullable(),
    /** Each problem: the field (phoneNumber, variables.<name>, idempotencyKey) and why. */
    problems: z.array(z.object({ field: text(), message: text() })),
  })
  .meta({ id: "InboundMappingPreview" });
export type InboundMappingPreview = z.infer<typeof InboundMappingPreview>;

/** What a route request started (the answer to POST /hooks/{spaceId}/{name}). */
export const InboundHookResult = z
  .object({
    routeId: idSchema("inboundRoute"),
    action: InboundRouteAction,
    /** true: an earlier request with the same idempotency key started this; nothing new was started. */
    replayed: z.boolean(),
    sessionId: idSchema("session").nullable(),
    itemId: idSchema("campaignItem").nullable(),
    /** dispatch: the media endpoint with the session's token: join it within the dispatch timeout (20 s by default). */
    joinUrl: text().nullable(),
    /** dispatch: the session as POST /v1/agents/{agentId}/sessions answers it (media connection, events URL). */
    dispatched: DispatchedSession.nullable(),
    logId: idSchema("webhookLog"),
  })
  .meta({ id: "InboundHookResult" });
export type InboundHookResult = z.infer<typeof InboundHookResult>;

// ---------------------------------------------------------------------------------------------
// The inbound webhook log

export const InboundLogOutcome = z.enum(["accepted", "refused", "processed", "ignored", "failed"]).meta({ id: "InboundLogOutcome" });
export const InboundLogEntry = z
  .object({
    id: idSchema("webhookLog"),
    provider: text(),
    kind: text(),
    spaceId: idSchema("space").nullable(),
    connectionId: text().nullable(),
    routeId: text().nullable(),
    sessionId: text().nullable(),
    method: text(),
    url: text(),
    headers: z.record(text(), text()),
    params: z.record(text(), text()),
    payload: jsonValue(),
    signatureValid: z.boolean(),
    outcome: InboundLogOutcome,
    routing: text().nullable(),
    detail: text().nullable(),
    receivedAt: Timestamp,
    processedAt: Timestamp.nullable(),
    /** processedAt − receivedAt. */
    processingMs: z.number().int().nullable(),
  })
  .meta({ id: "InboundLogEntry" });
export type InboundLogEntry = z.infer<typeof InboundLogEntry>;
export const InboundLogList = z.object({ data: z.array(InboundLogEntry), nextCursor: text().nullable() }).meta({ id: "InboundLogList" });
export const InboundLogFilters = z.object({
  provider: text().max(30).optional(),
  outcome: InboundLogOutcome.optional(),
  routeId: idSchema("inboundRoute").optional(),
  since: Timestamp.optional(),
  /** Admin only: just the requests no space was found for. */
  spaceless: z.enum(["true", "false"]).optional(),
  cursor: text().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

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
