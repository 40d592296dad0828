// Agent tokens: short-lived JWTs scoped to one agent, for embedding the widget with `agent-token`
// instead of relying on the public endpoint's origin checks. The JWT carries the id (`jti`) of its
// `agent_tokens` row, and the row decides: a token is good only while its row is neither revoked
// nor expired and the API key that minted it (if one did) is not revoked. A JWT without a row (one
// signed before tokens were recorded) is refused: it could never be revoked.
import { and, eq } from "drizzle-orm";
import { errors, jwtVerify, SignJWT } from "jose";
import { originAllowed, type AgentToken, type AgentTokenStatus } from "@speaknode/contracts";
import { agentTokens, apiKeys, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { iso, isoOrNull } from "../lib/openapi.ts";

const audience = "speaknode:agent";
const key = (secret: string) => new TextEncoder().encode(secret);

export type AgentTokenRow = typeof agentTokens.$inferSelect;

export async function signAgentToken(secret: string, claims: { tokenId: string; agentId: string; expiresAt: Date }): Promise<string> {
  return new SignJWT({ aid: claims.agentId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("speaknode")
    .setAudience(audience)
    .setJti(claims.tokenId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
    .sign(key(secret));
}

export type AgentTokenCheck = { ok: true; agentId: string; tokenId: string | undefined } | { ok: false; expired: boolean };

/** The JWT's own checks (signature, issuer, audience, expiry); the row is checked by `admitAgentToken`. */
export async function verifyAgentToken(secret: string, token: string): Promise<AgentTokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: "speaknode", audience, algorithms: ["HS256"] });
    if (typeof payload["aid"] !== "string") return { ok: false, expired: false };
    return { ok: true, agentId: payload["aid"], tokenId: typeof payload.jti === "string" ? payload.jti : undefined };
  } catch (err) {
    return { ok: false, expired: err instanceof errors.JWTExpired };
  }
}

export function agentTokenStatus(row: Pick<AgentTokenRow, "revokedAt" | "expiresAt">, now: Date = new Date()): AgentTokenStatus {
  if (row.revokedAt !== null) return "revoked";
  return row.expiresAt.getTime() <= now.getTime() ? "expired" : "active";
}

export function toAgentToken(row: AgentTokenRow, now: Date = new Date()): AgentToken {
  return {
    id: row.id,
    agentId: row.agentId,
    name: row.name,
    allowedOrigins: row.allowedOrigins,
    apiKeyId: row.apiKeyId,
    createdBy: row.createdBy,
    status: agentTokenStatus(row, now),
    expiresAt: iso(row.expiresAt),
    revokedAt: isoOrNull(row.revokedAt),
    lastUsedAt: isoOrNull(row.lastUsedAt),
    createdAt: iso(row.createdAt),
  };
}

/**
 * Admits a request carrying an agent token for `agentId` from a page of `origin`, or throws the
 * problem to answer. Marks the token used.
 */
export async function admitAgentToken(db: Database, secret: string, token: string, agentId: string, origin: string | undefined): Promise<void> {
  const check = await verifyAgentToken(secret, token);
  if (!check.ok) throw new ApiError(check.expired ? "token_expired" : "unauthorized", check.expired ? "the agent token has expired: issue a new one" : "the agent token is not valid");
  if (check.agentId !== agentId) throw new ApiError("unauthorized", "the agent token is for another agent");
  if (check.tokenId === undefined) throw new ApiError("unauthorized", "the agent token predates revocable tokens: issue a new one");
  const [found] = await db
    .select({ token: agentTokens, keyRevokedAt: apiKeys.revokedAt })
    .from(agentTokens)
    .leftJoin(apiKeys, eq(apiKeys.id, agentTokens.apiKeyId))
    .where(and(eq(agentTokens.id, check.tokenId), eq(agentTokens.agentId, agentId)));
  if (!found) throw new ApiError("unauthorized", "the agent token is not valid");
  const status = agentTokenStatus(found.token);
  if (status === "revoked") throw new ApiError("unauthorized", "the agent token was revoked");
  if (status === "expired") throw new ApiError("token_expired", "the agent token has expired: issue a new one");
  // The key's row is gone (deleted with cascade) or revoked: the token never outlives it.
  if (found.token.apiKeyId !== null && found.keyRevokedAt !== null) throw new ApiError("unauthorized", "the API key that issued this agent token was revoked");
  const allowed = found.token.allowedOrigins;
  if (allowed.length > 0 && !originAllowed(allowed, origin)) {
    throw new ApiError("forbidden", "this page's origin may not use this agent token");
  }
  await db.update(agentTokens).set({ lastUsedAt: new Date() }).where(eq(agentTokens.id, found.token.id));
}
