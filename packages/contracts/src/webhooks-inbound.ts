// API shapes of inbound webhooks: a space's routes (POST /hooks/{spaceId}/{name}) with their
// verification and mapping, the mapping preview, what a route request started, and the inbound
// webhook log of every provider or route request.
import { z } from "zod";
import { jsonValue, text } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { DispatchedSession } from "./sessions.ts";
import { HeaderName } from "./tools.ts";

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
