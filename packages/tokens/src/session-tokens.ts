// Short-lived HS256 tokens shared with the voice runtime: a media token admits one participant to
// one session's media; an events token subscribes to one session's live events.
import { jwtVerify, SignJWT } from "jose";

export type SessionTokenScope = "media" | "events";

const key = (secret: string) => new TextEncoder().encode(secret);

export function signSessionToken(secret: string, claims: { sessionId: string; agentId: string; scope: SessionTokenScope; ttlS: number; role?: string }): Promise<string> {
  return new SignJWT({ sid: claims.sessionId, aid: claims.agentId, scope: claims.scope, ...(claims.role ? { role: claims.role } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("speaknode")
    .setAudience(`speaknode:${claims.scope}`)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlS}s`)
    .sign(key(secret));
}

export async function verifySessionToken(secret: string, token: string, scope: SessionTokenScope): Promise<{ sessionId: string; agentId: string; role: string | undefined } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: "speaknode", audience: `speaknode:${scope}`, algorithms: ["HS256"] });
    if (typeof payload["sid"] !== "string" || typeof payload["aid"] !== "string" || payload["scope"] !== scope) return null;
    return { sessionId: payload["sid"], agentId: payload["aid"], role: typeof payload["role"] === "string" ? payload["role"] : undefined };
  } catch {
    return null;
  }
}
