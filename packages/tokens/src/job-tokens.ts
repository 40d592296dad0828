// Runtime job tokens: the Worker asks the voice runtime to run an agent's test case
// (POST /v1/agent-tests/run) or a session's post-call analysis (POST /v1/analysis) with a
// short-lived HS256 JWT signed with the runtime token secret, issuer "speaknode", audience and
// scope the job's ("agent-tests" or "analysis"), bound to one agent. Like the greeting warm token,
// its own audience and scope keep it from passing for any other kind of token, and one job's
// token from passing for the other's.
import { jwtVerify, SignJWT } from "jose";

const issuer = "speaknode";
export const runtimeJobScopes = ["agent-tests", "analysis"] as const;
export type RuntimeJobScope = (typeof runtimeJobScopes)[number];
const audienceOf = (scope: RuntimeJobScope) => `speaknode:${scope}`;
const key = (secret: string) => new TextEncoder().encode(secret);

/** `spaceId` is the subject (for the runtime's logs); `agentId` the only agent the job may be about. */
export function signRuntimeJobToken(secret: string, scope: RuntimeJobScope, claims: { spaceId: string; agentId: string; ttlS?: number }): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope, agt: claims.agentId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setJti(crypto.randomUUID())
    .setIssuer(issuer)
    .setAudience(audienceOf(scope))
    .setSubject(claims.spaceId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + (claims.ttlS ?? 300))
    .sign(key(secret));
}

/** The space and agent the token was signed for, for this scope; null for anything else. */
export async function verifyRuntimeJobToken(secret: string, scope: RuntimeJobScope, token: string): Promise<{ spaceId: string; agentId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer, audience: audienceOf(scope), algorithms: ["HS256"], requiredClaims: ["exp"] });
    if (payload["scope"] !== scope || typeof payload.sub !== "string" || typeof payload["agt"] !== "string") return null;
    return { spaceId: payload.sub, agentId: payload["agt"] };
  } catch {
    return null;
  }
}
