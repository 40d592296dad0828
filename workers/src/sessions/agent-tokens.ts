// Agent tokens: pre-generated, short-lived JWTs scoped to one agent, for embedding the widget with
// `agent-token` instead of relying on the public endpoint's origin checks.
import { errors, jwtVerify, SignJWT } from "jose";

const audience = "speaknode:agent";
const key = (secret: string) => new TextEncoder().encode(secret);

export async function signAgentToken(secret: string, agentId: string, ttlS: number): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + ttlS * 1000);
  const token = await new SignJWT({ aid: agentId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("speaknode")
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key(secret));
  return { token, expiresAt };
}

export type AgentTokenCheck = { ok: true; agentId: string } | { ok: false; expired: boolean };

export async function verifyAgentToken(secret: string, token: string): Promise<AgentTokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: "speaknode", audience, algorithms: ["HS256"] });
    return typeof payload["aid"] === "string" ? { ok: true, agentId: payload["aid"] } : { ok: false, expired: false };
  } catch (err) {
    return { ok: false, expired: err instanceof errors.JWTExpired };
  }
}
