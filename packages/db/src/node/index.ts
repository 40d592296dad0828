export * from "./migrate.ts";
export * from "./stack.ts";
export * from "./ws.ts";
