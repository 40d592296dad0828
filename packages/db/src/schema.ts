// Rows and relations of the platform. drizzle owns these; API shapes live in @speaknode/contracts.
import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  varchar,
} from "drizzle-orm/pg-core";
import { createdAt, tz } from "./columns.ts";


export const spaceRole = pgEnum("space_role", ["owner", "member"]);

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** `iss` + `sub` of the OIDC identity: a user is one identity of one issuer. */
    oidcIssuer: text("oidc_issuer").notNull(),
    oidcSubject: text("oidc_subject").notNull(),
    email: varchar("email", { length: 320 }).notNull(),
    emailVerified: boolean("email_verified").notNull().default(false),
    name: varchar("name", { length: 200 }),
    isPlatformAdmin: boolean("is_platform_admin").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: tz("updated_at").notNull().defaultNow(),
    lastLoginAt: tz("last_login_at"),
  },
  (t) => [
    uniqueIndex("users_oidc_identity_uq").on(t.oidcIssuer, t.oidcSubject),
    index("users_email_idx").on(sql`lower(${t.email})`),
  ],
);

export const spaces = pgTable("spaces", {
  id: text("id").primaryKey(),
  name: varchar("name", { length: 100 }).notNull(),
  /** Phone calls (inbound, outbound, campaigns) the space may have live at once. */
  maxConcurrentCalls: integer("max_concurrent_calls").notNull().default(10),
  createdAt: createdAt(),
  updatedAt: tz("updated_at").notNull().defaultNow(),
});

export const memberships = pgTable(
  "memberships",
  {
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: spaceRole("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.spaceId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const invitations = pgTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    email: varchar("email", { length: 320 }).notNull(),
    role: spaceRole("role").notNull(),
    /** SHA-256 of the single-use token; the token itself is only ever in the email. */
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: tz("expires_at").notNull(),
    lastSentAt: tz("last_sent_at").notNull().defaultNow(),
    sendCount: integer("send_count").notNull().default(1),
    acceptedAt: tz("accepted_at"),
    acceptedBy: text("accepted_by").references(() => users.id, { onDelete: "set null" }),
    revokedAt: tz("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("invitations_token_hash_uq").on(t.tokenHash),
    // One open invitation per address and space; a new one needs the old one revoked or used.
    uniqueIndex("invitations_open_email_uq")
      .on(t.spaceId, sql`lower(${t.email})`)
      .where(sql`${t.acceptedAt} is null and ${t.revokedAt} is null`),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    /** First characters of the secret, shown in lists so people can tell keys apart. */
    prefix: varchar("prefix", { length: 16 }).notNull(),
    /** SHA-256 of the whole secret. */
    hash: text("hash").notNull(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    lastUsedAt: tz("last_used_at"),
    revokedAt: tz("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.hash), index("api_keys_space_idx").on(t.spaceId)],
);

export const emailStatus = pgEnum("email_status", ["pending", "sent", "failed"]);

export const emailOutbox = pgTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    toAddress: varchar("to_address", { length: 320 }).notNull(),
    subject: varchar("subject", { length: 300 }).notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body"),
    kind: varchar("kind", { length: 50 }).notNull(),
    status: emailStatus("status").notNull().default("pending"),
    provider: varchar("provider", { length: 50 }),
    providerMessageId: text("provider_message_id"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** When a pending message is next tried (background delivery with backoff). */
    nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
    createdAt: createdAt(),
    sentAt: tz("sent_at"),
  },
  (t) => [
    index("email_outbox_created_idx").on(t.createdAt),
    index("email_outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    // `kind` carries what a message is about (`invitation:inv_…`): the invitations list reads the
    // latest delivery of each, and a resend or revoke cancels the pending one, by this key.
    index("email_outbox_kind_idx").on(t.kind, t.createdAt),
  ],
);
