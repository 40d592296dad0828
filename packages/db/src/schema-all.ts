export * from "./schema.ts";
export * from "./schema-agents.ts";
