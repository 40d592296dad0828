export * from "./schema.ts";
export * from "./schema-agents.ts";
export * from "./schema-sessions.ts";
export * from "./schema-telemetry.ts";
export * from "./schema-credentials.ts";
export * from "./schema-telephony.ts";
export * from "./schema-campaigns.ts";
export * from "./schema-billing.ts";
