// Agent tokens: what a widget embeds as `agent-token` to start sessions with one published agent
// without relying on the public endpoint's origin checks. Each token is a row (the JWT carries its
// id), so it can be listed and revoked; one minted by an API key dies with that key.
import { z } from "zod";
import { idSchema, Timestamp } from "./ids.ts";
import { WebOrigin } from "./origins.ts";
import { text } from "./text.ts";

/** An origin (scheme://host[:port]) a page must have to use the token; stored canonical. */
export const TokenOrigin = WebOrigin;

export const CreateAgentTokenBody = z
  .strictObject({
    /** Shown in the list, so people can tell tokens apart. */
    name: text().trim().min(1).max(100).optional(),
    ttlS: z.number().int().min(60).max(86_400).default(3600),
    /** Pages allowed to use the token, by origin. Empty: every page — the token itself is the
     *  credential, like an API key, so whoever holds it may start sessions until it expires or
     *  is revoked. Give origins to make a leaked token useless elsewhere in a browser. */
    allowedOrigins: z.array(TokenOrigin).max(20).default([]),
  })
  .meta({ id: "CreateAgentTokenBody" });
export type CreateAgentTokenBody = z.input<typeof CreateAgentTokenBody>;

export const AgentTokenStatus = z.enum(["active", "expired", "revoked"]);
export type AgentTokenStatus = z.infer<typeof AgentTokenStatus>;

/** A token as listed: never the token itself. */
export const AgentToken = z
  .object({
    id: idSchema("agentToken"),
    agentId: idSchema("agent"),
    name: text().nullable(),
    allowedOrigins: z.array(text()),
    /** The API key that minted it (revoking the key revokes the token), or null for a user. */
    apiKeyId: idSchema("apiKey").nullable(),
    createdBy: idSchema("user").nullable(),
    status: AgentTokenStatus,
    expiresAt: Timestamp,
    revokedAt: Timestamp.nullable(),
    lastUsedAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: "AgentToken" });
export type AgentToken = z.infer<typeof AgentToken>;

/** The answer to issuing: the listed fields plus the token, shown this once. */
export const IssuedAgentToken = AgentToken.extend({ token: text() }).meta({ id: "IssuedAgentToken" });
export type IssuedAgentToken = z.infer<typeof IssuedAgentToken>;
