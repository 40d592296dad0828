// Space-owned credentials: provider keys an Owner brings for the space's agents, and the agent
// tokens widgets embed. Secrets are AES-GCM ciphertext bound to their destination, never returned.
import { index, jsonb, pgTable, text, uniqueIndex, varchar, integer } from "drizzle-orm/pg-core";
import { apiKeys, spaces, users } from "./schema.ts";
import { agents } from "./schema-agents.ts";
import { createdAt, tz, updatedAt } from "./columns.ts";

export const providerCredentials = pgTable(
  "provider_credentials",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    /** A provider of the catalog (`openai-compatible`, `openrouter`, `deepgram`, `elevenlabs`, …). */
    provider: varchar("provider", { length: 40 }).notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    /** The only endpoint this key is ever sent to; checked by the SSRF guard when saved and used. */
    baseUrl: varchar("base_url", { length: 2000 }).notNull(),
    /** AES-GCM ciphertext of the key (additional data: credential id + base URL). */
    secret: text("secret").notNull(),
    /** Last characters of the key, so people can tell keys apart. */
    secretHint: varchar("secret_hint", { length: 8 }).notNull(),
    version: integer("version").notNull().default(1),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("provider_credentials_space_name_uq").on(t.spaceId, t.name), index("provider_credentials_space_idx").on(t.spaceId, t.createdAt)],
);

/** Agent tokens (the widget's `agent-token`): the JWT carries this row's id, so a token can be
 *  listed and revoked, and dies with the API key that minted it. */
export const agentTokens = pgTable(
  "agent_tokens",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }),
    /** Set when an API key minted the token: revoking the key revokes the token. */
    apiKeyId: text("api_key_id").references(() => apiKeys.id, { onDelete: "cascade" }),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    /** Origins allowed to use the token; empty means any origin (the token itself is the credential). */
    allowedOrigins: jsonb("allowed_origins").$type<string[]>().notNull().default([]),
    expiresAt: tz("expires_at").notNull(),
    revokedAt: tz("revoked_at"),
    lastUsedAt: tz("last_used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("agent_tokens_agent_idx").on(t.agentId, t.createdAt), index("agent_tokens_api_key_idx").on(t.apiKeyId)],
);

/**
 * What each voice runtime reported it can do (RuntimeCapabilitiesBody): which providers have a
 * platform key in its environment, which offline engines are installed, the voices it can list.
 * Provider readiness and the publish pre-flight read the freshest reports.
 */
export const runtimeCapabilities = pgTable("runtime_capabilities", {
  runtimeId: varchar("runtime_id", { length: 100 }).primaryKey(),
  report: jsonb("report").$type<Record<string, unknown>>().notNull(),
  reportedAt: tz("reported_at").notNull(),
});
