export * from "./client.ts";
export * as schema from "./schema.ts";
export { users, spaces, memberships, invitations, apiKeys, emailOutbox } from "./schema.ts";
export * from "./dev-seed.ts";
