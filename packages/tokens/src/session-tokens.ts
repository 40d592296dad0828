// Short-lived HS256 tokens shared with the voice runtime: a media token admits one participant to
// one session's media; an events token subscribes to one session's live events.
import { jwtVerify, SignJWT } from "jose";

export type SessionTokenScope = "media" | "events";

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * `callId` binds a media token to one provider call (Twilio's CallSid): the runtime admits the
 * call's media stream only when the stream names that call. Every token carries a random `jti`, so
 * a runtime can refuse a second use of a single-use token.
 */
export function signSessionToken(
  secret: string,
  claims: { sessionId: string; agentId: string; scope: SessionTokenScope; ttlS: number; role?: string; callId?: string },
): Promise<string> {
  return new SignJWT({ sid: claims.sessionId, aid: claims.agentId, scope: claims.scope, ...(claims.role ? { role: claims.role } : {}), ...(claims.callId ? { cid: claims.callId } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setJti(crypto.randomUUID())
    .setIssuer("speaknode")
    .setAudience(`speaknode:${claims.scope}`)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlS}s`)
    .sign(key(secret));
}

export interface SessionTokenClaims {
  sessionId: string;
  agentId: string;
  role: string | undefined;
  /** The provider call the token is bound to, if any. */
  callId: string | undefined;
  /** The token's unique id and expiry (seconds since the epoch), for single-use checks. */
  tokenId: string | undefined;
  expiresAtS: number | undefined;
}

export async function verifySessionToken(secret: string, token: string, scope: SessionTokenScope): Promise<SessionTokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: "speaknode", audience: `speaknode:${scope}`, algorithms: ["HS256"] });
    if (typeof payload["sid"] !== "string" || typeof payload["aid"] !== "string" || payload["scope"] !== scope) return null;
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    return { sessionId: payload["sid"], agentId: payload["aid"], role: str(payload["role"]), callId: str(payload["cid"]), tokenId: str(payload.jti), expiresAtS: payload.exp };
  } catch {
    return null;
  }
}
