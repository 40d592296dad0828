// Telephony: a space's provider connections (Twilio now; VoxImplant and LiveKit SIP later share the
// table, their secrets in the same encrypted column), the phone numbers imported from them, every
// provider webhook as it arrived (redacted) and the provider's status history of each call.
import { boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { spaces, users } from "./schema.ts";
import { agents } from "./schema-agents.ts";
import { sessions } from "./schema-sessions.ts";
import { createdAt, tz, updatedAt } from "./columns.ts";

export const telephonyProvider = pgEnum("telephony_provider", ["twilio", "voximplant", "livekit_sip"]);

export const telephonyConnections = pgTable(
  "telephony_connections",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    provider: telephonyProvider("provider").notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    /** The provider's public account identifier (Twilio: the Account SID `AC…`); not a secret. */
    accountId: varchar("account_id", { length: 100 }).notNull(),
    /** AES-GCM ciphertext of the provider secrets as JSON (Twilio: auth token, or API key SID +
     *  secret); additional data: connection id + provider + account id. Never returned. */
    secret: text("secret").notNull(),
    /** Last characters of the secret, so people can tell connections apart. */
    secretHint: varchar("secret_hint", { length: 8 }).notNull(),
    /** Provider settings that are not secret, shown by the API (VoxImplant: application and rule
     *  ids, media encoding; LiveKit SIP: the outbound trunk's address and numbers, inbound allowed
     *  addresses). Shape per provider: contracts' ConnectionSettings. */
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    /** What the platform provisioned at the provider and how the last sync went (LiveKit SIP:
     *  trunk ids, sync status). Written by provisioning only. */
    providerState: jsonb("provider_state").$type<Record<string, unknown>>().notNull().default({}),
    version: integer("version").notNull().default(1),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("telephony_connections_space_name_uq").on(t.spaceId, t.name), index("telephony_connections_space_idx").on(t.spaceId, t.createdAt)],
);

export const phoneNumbers = pgTable(
  "phone_numbers",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    connectionId: text("connection_id")
      .notNull()
      .references(() => telephonyConnections.id, { onDelete: "cascade" }),
    /** E.164 (`+14155550100`). */
    e164: varchar("e164", { length: 16 }).notNull(),
    /** The provider's id of the number (Twilio: `PN…`). */
    providerNumberId: varchar("provider_number_id", { length: 100 }).notNull(),
    friendlyName: varchar("friendly_name", { length: 200 }),
    /** Inbound calls go to this agent; null = the number answers that it is not in service. */
    agentId: text("agent_id").references(() => agents.id, { onDelete: "set null" }),
    inboundEnabled: boolean("inbound_enabled").notNull().default(true),
    recordingEnabled: boolean("recording_enabled").notNull().default(true),
    maxConcurrentCalls: integer("max_concurrent_calls").notNull().default(5),
    /** ISO 3166-1 alpha-2 countries outbound calls from this number may reach; "*" = any. */
    allowedCountries: jsonb("allowed_countries").$type<string[]>().notNull().default([]),
    /** Caller name shown where the network supports it (CNAM / display name). */
    callerName: varchar("caller_name", { length: 50 }),
    /** The provider-side settings the import replaced, restored when the number is released. */
    previousConfig: jsonb("previous_config").$type<Record<string, string | null>>().notNull().default({}),
    /** What the platform provisioned for this number at the provider (LiveKit SIP: its dispatch
     *  rule id and sync status). Written by provisioning only. */
    providerState: jsonb("provider_state").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Inbound routing: (connection, called number) → number and agent, one indexed lookup.
    uniqueIndex("phone_numbers_connection_e164_uq").on(t.connectionId, t.e164),
    index("phone_numbers_space_idx").on(t.spaceId, t.createdAt),
    index("phone_numbers_agent_idx").on(t.agentId),
  ],
);

/** A telephony provider, `lago` (billing), or `route`: a customer's request to one of its inbound routes. */
export type WebhookLogProvider = (typeof telephonyProvider.enumValues)[number] | "lago" | "route";

export const webhookLogOutcome = pgEnum("webhook_log_outcome", ["accepted", "refused", "processed", "ignored", "failed"]);

/**
 * Every provider webhook request as it arrived — signatures and secrets redacted — before anything
 * acts on it. Status callbacks are processed from the queue by the log row's id; `dedupeKey`
 * makes a replayed callback a no-op.
 */
export const inboundWebhookLog = pgTable(
  "inbound_webhook_log",
  {
    id: text("id").primaryKey(),
    /** A telephony provider, or `lago` (billing webhooks). */
    provider: varchar("provider", { length: 30 }).$type<WebhookLogProvider>().notNull(),
    /** voice | status | amd | stream … */
    kind: varchar("kind", { length: 30 }).notNull(),
    /** Null when the request named no connection we know (still logged: a refused request). */
    connectionId: text("connection_id").references(() => telephonyConnections.id, { onDelete: "set null" }),
    spaceId: text("space_id").references(() => spaces.id, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => sessions.id, { onDelete: "set null" }),
    method: varchar("method", { length: 10 }).notNull(),
    /** The URL as requested, query secrets redacted. */
    url: varchar("url", { length: 2000 }).notNull(),
    /** Request headers, signatures and credentials redacted. */
    headers: jsonb("headers").$type<Record<string, string>>().notNull(),
    /** The form or JSON parameters (personal data: phone numbers, digits). */
    params: jsonb("params").$type<Record<string, string>>().notNull(),
    /** A customer's JSON body (inbound routes), when it is not form parameters. */
    payload: jsonb("payload").$type<unknown>(),
    /** The inbound route the request was addressed to (provider `route`). */
    routeId: text("route_id"),
    /** Where the request was sent on, or why nowhere ("session ses_…", "no such route", …). */
    routing: varchar("routing", { length: 300 }),
    signatureValid: boolean("signature_valid").notNull(),
    outcome: webhookLogOutcome("outcome").notNull(),
    /** Why it was refused, ignored or failed. */
    detail: varchar("detail", { length: 500 }),
    /** Provider-side identity of the event (CallSid + status + sequence); replays share it. */
    dedupeKey: varchar("dedupe_key", { length: 300 }),
    requestId: varchar("request_id", { length: 100 }),
    receivedAt: createdAt(),
    processedAt: tz("processed_at"),
  },
  (t) => [index("inbound_webhook_log_space_idx").on(t.spaceId, t.receivedAt), index("inbound_webhook_log_session_idx").on(t.sessionId), index("inbound_webhook_log_dedupe_idx").on(t.dedupeKey)],
);

/** The provider's status history of a phone session's call, each status once (idempotent on replay). */
export const sessionCallStatuses = pgTable(
  "session_call_statuses",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    /** The provider event's identity (status + sequence number); a replay hits the primary key. */
    eventKey: varchar("event_key", { length: 200 }).notNull(),
    /** queued | initiated | ringing | in-progress | completed | busy | no-answer | failed | canceled,
     *  and amd:<answeredBy> for answering-machine results. */
    status: varchar("status", { length: 40 }).notNull(),
    /** When the provider says it happened (its Timestamp), else when it arrived. */
    at: tz("at").notNull(),
    /** Small facts the provider reported with it: duration, SIP response code, error code. */
    detail: jsonb("detail").$type<Record<string, string | number | null>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.eventKey] }), index("session_call_statuses_session_at_idx").on(t.sessionId, t.at)],
);
