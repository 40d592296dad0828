// Agents, their published versions, space-level tools and the provider catalog.
// Documents whose key order people see (variables, locales, schema properties the LLM reads) are
// `json`, which keeps the text as written; `jsonb` would reorder object keys.
import { sql } from "drizzle-orm";
import { boolean, index, integer, json, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { spaces, users } from "./schema.ts";
import { createdAt, updatedAt } from "./columns.ts";


export const agents = pgTable(
  "agents",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 50 }).notNull(),
    /** Every configurable field (contracts' AgentConfig minus name), validated before it is written. */
    config: json("config").$type<Record<string, unknown>>().notNull(),
    /** Bumped on every change; the ETag of optimistic concurrency. */
    version: integer("version").notNull().default(1),
    /** The agent version served to widgets, phone numbers and the API; null when unpublished. */
    publishedVersion: integer("published_version"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("agents_space_idx").on(t.spaceId, t.createdAt)],
);

export const agentVersions = pgTable(
  "agent_versions",
  {
    id: text("id").primaryKey(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    /** Immutable: the agent's configuration and its webhook tools' definitions (without secrets). */
    snapshot: json("snapshot").$type<Record<string, unknown>>().notNull(),
    note: varchar("note", { length: 200 }),
    /** An Owner published despite the pre-flight: the problems it found then (null: it passed). */
    forcedProblems: jsonb("forced_problems").$type<Record<string, unknown>[]>(),
    /** The required test cases' verdict at publishing (contracts' TestGate); null: the agent had none. */
    testGate: jsonb("test_gate").$type<Record<string, unknown>>(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("agent_versions_agent_version_uq").on(t.agentId, t.version)],
);

export const httpMethod = pgEnum("http_method", ["GET", "POST", "PUT", "PATCH", "DELETE"]);

export const tools = pgTable(
  "tools",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id, { onDelete: "cascade" }),
    code: varchar("code", { length: 64 }).notNull(),
    description: varchar("description", { length: 1000 }).notNull(),
    method: httpMethod("method").notNull(),
    url: varchar("url", { length: 2000 }).notNull(),
    headersSchema: json("headers_schema").$type<Record<string, unknown>>(),
    bodySchema: json("body_schema").$type<Record<string, unknown>>(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    /** AES-GCM ciphertext of the secret header values (JSON), never returned by the API. */
    secretHeaders: text("secret_headers"),
    secretHeaderNames: jsonb("secret_header_names").$type<string[]>().notNull().default([]),
    /** Origin (scheme + host + port) the secret headers were given for; they are never sent elsewhere. */
    secretOrigin: varchar("secret_origin", { length: 300 }),
    timeoutMs: integer("timeout_ms").notNull().default(10_000),
    preToolSpeech: varchar("pre_tool_speech", { length: 500 }),
    progressSpeech: jsonb("progress_speech").$type<{ text: string; afterMs: number }>(),
    transferRules: jsonb("transfer_rules").$type<Record<string, unknown>[]>().notNull().default([]),
    /** Where each argument goes when the tool came from an OpenAPI import: path, query, a body
     *  property, or (`bodyRoot`) the whole body. */
    parameterLocations: jsonb("parameter_locations").$type<Record<string, "path" | "query" | "body" | "bodyRoot">>(),
    /** application/json or application/x-www-form-urlencoded (`form`). */
    bodyEncoding: varchar("body_encoding", { length: 8 }).$type<"json" | "form">().notNull().default("json"),
    /** Per argument: OpenAPI style/explode/allowReserved for the path, query or form body. */
    parameterStyles: jsonb("parameter_styles").$type<Record<string, { style: "simple" | "label" | "matrix" | "form" | "spaceDelimited" | "pipeDelimited" | "deepObject"; explode: boolean; allowReserved: boolean }>>().notNull().default({}),
    /** AES-GCM ciphertext of the secret query parameter values (JSON), bound to `secretOrigin` too. */
    secretQuery: text("secret_query"),
    secretQueryNames: jsonb("secret_query_names").$type<string[]>().notNull().default([]),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("tools_space_code_uq").on(t.spaceId, t.code)],
);

/** Which agents use which webhook tools, kept with the agent's config so a used tool cannot vanish. */
export const agentTools = pgTable(
  "agent_tools",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    toolId: text("tool_id")
      .notNull()
      .references(() => tools.id, { onDelete: "restrict" }),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.toolId] }), index("agent_tools_tool_idx").on(t.toolId)],
);

export const modelKind = pgEnum("model_kind", ["llm", "stt", "tts", "vad"]);

export const catalogModels = pgTable(
  "catalog_models",
  {
    id: text("id").primaryKey(),
    kind: modelKind("kind").notNull(),
    provider: varchar("provider", { length: 40 }).notNull(),
    model: varchar("model", { length: 200 }).notNull(),
    displayName: varchar("display_name", { length: 100 }).notNull(),
    enabled: boolean("enabled").notNull().default(true),
    offline: boolean("offline").notNull().default(false),
    defaultParams: jsonb("default_params").$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    languages: jsonb("languages").$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("catalog_models_kind_provider_model_uq").on(t.kind, t.provider, t.model), index("catalog_models_enabled_idx").on(t.kind).where(sql`${t.enabled}`)],
);
