// Greeting warm tokens: after a publish the Worker asks the voice runtime to synthesize the agent's
// first messages into its greeting cache (POST /v1/greetings/warm) with a short-lived HS256 JWT
// signed with the runtime token secret, issuer "speaknode", audience and scope "greeting-warm",
// bound to one agent. Its own audience and scope keep it from passing for another kind of token (a voice
// preview's, a session's, a runtime service token) and those from passing as it.
import { jwtVerify, SignJWT } from "jose";

const issuer = "speaknode";
export const greetingWarmScope = "greeting-warm";
const audience = `speaknode:${greetingWarmScope}`;
const key = (secret: string) => new TextEncoder().encode(secret);

/** `spaceId` is the subject (for the runtime's logs); `agentId` the only agent it may warm. */
export function signGreetingWarmToken(secret: string, claims: { spaceId: string; agentId: string; ttlS?: number }): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: greetingWarmScope, agt: claims.agentId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setJti(crypto.randomUUID())
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(claims.spaceId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + (claims.ttlS ?? 60))
    .sign(key(secret));
}

/** The space and agent the token was signed for; null for anything else (expired, forged, another kind). */
export async function verifyGreetingWarmToken(secret: string, token: string): Promise<{ spaceId: string; agentId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer, audience, algorithms: ["HS256"], requiredClaims: ["exp"] });
    if (payload["scope"] !== greetingWarmScope || typeof payload.sub !== "string" || typeof payload["agt"] !== "string") return null;
    return { spaceId: payload.sub, agentId: payload["agt"] };
  } catch {
    return null;
  }
}
