// Webhooks in both directions. Outbound: a space's endpoints, one delivery per (endpoint, domain
// event) and every attempt of it (request as sent, secrets redacted; response status and first
// 4 KiB of its body). Inbound: a space's routes under /hooks/{spaceId}/{name} that turn a verified
// request into a call, a campaign item or a web session, and the claims that make a replayed
// request start nothing twice. Secrets are AES-GCM ciphertext (workers/src/lib/secrets.ts) bound
// to the row they were given for, never returned.
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { spaces } from "./schema.ts";
import { agents } from "./schema-agents.ts";
import { campaigns } from "./schema-campaigns.ts";
import { phoneNumbers } from "./schema-telephony.ts";
import { domainEvents } from "./schema-billing.ts";
import { createdAt, tz, updatedAt } from "./columns.ts";

/** Why an endpoint stopped receiving: its Owner turned it off, it answered 410 Gone, or it failed for 5 days. */
export const webhookDisabledReason = pgEnum("webhook_disabled_reason", ["manual", "gone", "failing"]);
/** pending: due (again) at nextAttemptAt; succeeded: a 2xx was received; failed: given up (schedule spent, endpoint disabled or deleted). */
export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", ["pending", "succeeded", "failed"]);
/** auto: the schedule; replay: a person asked again; test: the test event button. */
export const webhookAttemptTrigger = pgEnum("webhook_attempt_trigger", ["auto", "replay", "test"]);

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    url: varchar("url", { length: 2000 }).notNull(),
    description: varchar("description", { length: 500 }).notNull().default(""),
    /** Event types delivered; empty: every type. */
    eventTypes: jsonb("event_types").$type<string[]>().notNull().default([]),
    enabled: boolean("enabled").notNull().default(true),
    disabledReason: webhookDisabledReason("disabled_reason"),
    disabledAt: tz("disabled_at"),
    /** AES-GCM ciphertext of the signing secret (`whsec_…`), bound to the endpoint id. */
    secret: text("secret").notNull(),
    /** The secret before the last rotation, also signed with until previousSecretExpiresAt. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: tz("previous_secret_expires_at"),
    /** AES-GCM ciphertext of the custom headers (JSON object), bound to the endpoint id; write-only. */
    customHeaders: text("custom_headers"),
    customHeaderNames: jsonb("custom_header_names").$type<string[]>().notNull().default([]),
    /** Since when every attempt has failed (null: the last one succeeded, or none was made). */
    failingSince: tz("failing_since"),
    lastSuccessAt: tz("last_success_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_endpoints_space_idx").on(t.spaceId, t.createdAt)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    /** The event; its id is the `webhook-id` of every attempt, so receivers can de-duplicate. */
    eventId: text("event_id")
      .notNull()
      .references(() => domainEvents.id, { onDelete: "cascade" }),
    eventType: varchar("event_type", { length: 100 }).notNull(),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    /** Attempts made, replays and tests included. */
    attempts: integer("attempts").notNull().default(0),
    /** When the schedule's next attempt is due (null: none is). */
    nextAttemptAt: tz("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: varchar("last_error", { length: 500 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    completedAt: tz("completed_at"),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_event_idx").on(t.endpointId, t.eventId),
    index("webhook_deliveries_space_idx").on(t.spaceId, t.createdAt),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`status = 'pending'`),
  ],
);

export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    /** 1, 2, … within the delivery. */
    number: integer("number").notNull(),
    trigger: webhookAttemptTrigger("trigger").notNull(),
    url: varchar("url", { length: 2000 }).notNull(),
    /** As sent, the signature and custom header values redacted. */
    requestHeaders: jsonb("request_headers").$type<Record<string, string>>().notNull(),
    requestBody: text("request_body").notNull(),
    /** null: no response (refused destination, network error, timeout). */
    responseStatus: integer("response_status"),
    /** The first 4 KiB of the response body. */
    responseBody: text("response_body"),
    latencyMs: integer("latency_ms").notNull(),
    error: varchar("error", { length: 500 }),
    succeeded: boolean("succeeded").notNull(),
    startedAt: createdAt(),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.number)],
);

/** The verification of an inbound route (its secret is in `secret`). */
export type InboundVerificationJson =
  | { method: "standard_webhooks" }
  | { method: "bearer" }
  | { method: "hmac"; header: string; algorithm: "sha1" | "sha256" | "sha512"; encoding: "hex" | "base64"; prefix: string };

/** JSON pointers (RFC 6901) into the request's JSON body. */
export interface InboundMappingJson {
  /** The number to call (`call`, `campaign_item`). */
  phoneNumber?: string;
  /** The agent's variables, by name. */
  variables: Record<string, string>;
  /** Where the request's own idempotency key is, when not in a `webhook-id` / `Idempotency-Key` header. */
  idempotencyKey?: string;
}

export const inboundRouteAction = pgEnum("inbound_route_action", ["call", "campaign_item", "dispatch"]);

export const inboundRoutes = pgTable(
  "inbound_routes",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    /** The last segment of /hooks/{spaceId}/{name}. */
    name: varchar("name", { length: 64 }).notNull(),
    description: varchar("description", { length: 500 }).notNull().default(""),
    verification: jsonb("verification").$type<InboundVerificationJson>().notNull(),
    /** AES-GCM ciphertext of the verification secret, bound to the route id. */
    secret: text("secret").notNull(),
    action: inboundRouteAction("action").notNull(),
    agentId: text("agent_id").references(() => agents.id, { onDelete: "cascade" }),
    campaignId: text("campaign_id").references(() => campaigns.id, { onDelete: "cascade" }),
    /** The caller id of `call`. */
    phoneNumberId: text("phone_number_id").references(() => phoneNumbers.id, { onDelete: "set null" }),
    mapping: jsonb("mapping").$type<InboundMappingJson>().notNull(),
    paused: boolean("paused").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("inbound_routes_space_name_idx").on(t.spaceId, t.name)],
);

/**
 * One row per (route, idempotency key): claimed before the action runs, its result stored after,
 * so a replayed request answers what the first one started and starts nothing.
 */
export const inboundRouteClaims = pgTable(
  "inbound_route_claims",
  {
    routeId: text("route_id")
      .notNull()
      .references(() => inboundRoutes.id, { onDelete: "cascade" }),
    dedupeKey: varchar("dedupe_key", { length: 300 }).notNull(),
    /** What was started ({ sessionId } / { itemId } …); null while the first request is running. */
    result: jsonb("result").$type<Record<string, unknown>>(),
    logId: text("log_id"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.routeId, t.dedupeKey] })],
);

/**
 * The development inbox (/dev/webhook-inbox, dev tools only): what a local endpoint received, so the
 * whole outbound loop is visible on a laptop. Never written in production.
 */
export const devWebhookInbox = pgTable(
  "dev_webhook_inbox",
  {
    id: text("id").primaryKey(),
    /** The path segment after /dev/webhook-inbox/ ("default" when none). */
    box: varchar("box", { length: 64 }).notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull(),
    body: text("body").notNull(),
    /** Whether the Standard Webhooks signature verified against an endpoint of this URL (null: none matched). */
    signatureValid: boolean("signature_valid"),
    /** The status the inbox answered (it can be told to fail, to show retries). */
    answeredStatus: integer("answered_status").notNull(),
    receivedAt: createdAt(),
  },
  (t) => [index("dev_webhook_inbox_box_idx").on(t.box, t.receivedAt)],
);
