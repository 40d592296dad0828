// Voice preview tokens: the Worker asks the voice runtime to speak a sample (POST /v1/tts/preview)
// with a short-lived HS256 JWT signed with the runtime token secret, issuer "speaknode", audience
// and scope "tts-preview". Its own audience and scope keep it from ever passing as a session's
// media or events token or a runtime service token, and those from passing as it.
import { jwtVerify, SignJWT } from "jose";

const issuer = "speaknode";
export const ttsPreviewScope = "tts-preview";
const audience = `speaknode:${ttsPreviewScope}`;
const key = (secret: string) => new TextEncoder().encode(secret);

/** `spaceId`: whose preview it is (the subject), for the runtime's logs. */
export function signTtsPreviewToken(secret: string, claims: { spaceId: string; ttlS?: number }): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: ttsPreviewScope })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setJti(crypto.randomUUID())
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(claims.spaceId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + (claims.ttlS ?? 60))
    .sign(key(secret));
}

/** The space the preview is for; null for anything else (expired, forged, another kind of token). */
export async function verifyTtsPreviewToken(secret: string, token: string): Promise<{ spaceId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer, audience, algorithms: ["HS256"], requiredClaims: ["exp"] });
    if (payload["scope"] !== ttsPreviewScope || typeof payload.sub !== "string") return null;
    return { spaceId: payload.sub };
  } catch {
    return null;
  }
}
