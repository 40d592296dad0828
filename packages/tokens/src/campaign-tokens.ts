// Campaign events tokens: a short-lived HS256 JWT that subscribes to one campaign's live progress
// (the CampaignRunner's WebSocket). Signed with the runtime token secret like session tokens, but
// with an audience and scope of its own, so a session's events or media token is never taken for
// a campaign and a campaign token never opens a session.
import { jwtVerify, SignJWT } from "jose";

const issuer = "speaknode";
const scope = "campaign-events";
const audience = `speaknode:${scope}`;
const key = (secret: string) => new TextEncoder().encode(secret);

export function signCampaignEventsToken(secret: string, claims: { campaignId: string; ttlS: number }): Promise<string> {
  return new SignJWT({ cmp: claims.campaignId, scope })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setJti(crypto.randomUUID())
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlS}s`)
    .sign(key(secret));
}

/** The campaign the token subscribes to; null for anything else (expired, forged, another kind). */
export async function verifyCampaignEventsToken(secret: string, token: string): Promise<{ campaignId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer, audience, algorithms: ["HS256"], requiredClaims: ["exp"] });
    if (typeof payload["cmp"] !== "string" || payload["scope"] !== scope) return null;
    return { campaignId: payload["cmp"] };
  } catch {
    return null;
  }
}
