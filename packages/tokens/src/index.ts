// Tokens the Worker and the voice runtime share: HS256 JWTs signed with the runtime token secret.
export * from "./session-tokens.ts";
export * from "./service-tokens.ts";
export * from "./campaign-tokens.ts";
export * from "./preview-tokens.ts";
export * from "./greeting-tokens.ts";
export * from "./job-tokens.ts";
