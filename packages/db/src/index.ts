export * from "./client.ts";
export * as schema from "./schema-all.ts";
export { users, spaces, memberships, invitations, apiKeys, emailOutbox } from "./schema.ts";
export * from "./dev-seed.ts";
export { agents, agentVersions, tools, agentTools, catalogModels } from "./schema-agents.ts";
export { sessions, sessionRuntimeEvents, sessionTurns, sessionToolCalls, sessionRecordings } from "./schema-sessions.ts";
export { spans, telemetryDeadLetters, analyticsDaily } from "./schema-telemetry.ts";
export { providerCredentials, agentTokens } from "./schema-credentials.ts";
export { DatabaseEnv, DatabaseEnvError, databaseOptionsFromEnv } from "./env.ts";
