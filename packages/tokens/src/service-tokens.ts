// Service tokens of the voice runtime: HS256 JWTs signed with the runtime token secret, issuer
// "speaknode", audience "speaknode:runtime", scope "runtime". Media and events tokens are signed
// with the same secret but carry another audience and scope, so neither is ever accepted here.
// A token may be narrowed to one session with `sid`.
import { errors, jwtVerify, SignJWT } from "jose";
import { runtimeServiceAudience } from "@speaknode/contracts";

export class ServiceTokenError extends Error {
  override name = "ServiceTokenError";
  readonly expired: boolean;
  constructor(message: string, expired = false) {
    super(message);
    this.expired = expired;
  }
}

export interface RuntimeServiceClaims {
  /** Which runtime (instance or pool) holds the token; for logs. */
  subject: string;
  /** Set when the token is good for this one session only. */
  sessionId: string | undefined;
}

const issuer = "speaknode";
const scope = "runtime";
const clockToleranceS = 5;
const key = (secret: string) => new TextEncoder().encode(secret);

export function signRuntimeServiceToken(secret: string, claims: { ttlS: number; subject?: string; sessionId?: string }): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope, ...(claims.sessionId ? { sid: claims.sessionId } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(runtimeServiceAudience)
    .setSubject(claims.subject ?? "voice-runtime")
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + claims.ttlS)
    .sign(key(secret));
}

/** The token's claims; throws ServiceTokenError (with `expired`) for anything else. */
export async function verifyRuntimeServiceToken(secret: string, token: string): Promise<RuntimeServiceClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key(secret), { issuer, audience: runtimeServiceAudience, algorithms: ["HS256"], clockTolerance: clockToleranceS, requiredClaims: ["exp"] }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new ServiceTokenError("the service token has expired", true);
    throw new ServiceTokenError("the service token is not valid");
  }
  const sid = payload["sid"];
  if (payload["scope"] !== scope || typeof payload["sub"] !== "string" || (sid !== undefined && typeof sid !== "string")) {
    throw new ServiceTokenError("the token is not a runtime service token");
  }
  return { subject: payload["sub"], sessionId: sid };
}
