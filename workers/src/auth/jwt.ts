// Verifies OIDC access tokens (Keycloak-shaped) with jose against the issuer's JWKS. The key set
// is fetched from the issuer's discovery document, or, for the built-in development issuer running
// in this same Worker, taken from its key in memory: jwtVerify and every claim check are the same.
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { text, urlText } from "@speaknode/contracts";

export class TokenError extends Error {
  override name = "TokenError";
  readonly expired: boolean;
  constructor(message: string, expired = false) {
    super(message);
    this.expired = expired;
  }
}

export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  roles: string[];
}

export interface VerifyOptions {
  issuer: string;
  audience: string;
  clockToleranceS: number;
  /** Clients (`azp`) whose access tokens open the API; empty or absent: every client of the issuer. */
  authorizedParties?: readonly string[] | undefined;
}

const Claims = z.object({
  sub: text().min(1),
  email: text().min(3),
  email_verified: z.boolean().optional(),
  name: text().optional(),
  preferred_username: text().optional(),
  typ: text().optional(),
  azp: text().optional(),
  realm_access: z.object({ roles: z.array(text()) }).optional(),
});

const Discovery = z.object({ issuer: text(), jwks_uri: urlText() });

const remoteKeySets = new Map<string, JWTVerifyGetKey>();

/** Key set of a remote issuer: JWKS URL from config, else from `/.well-known/openid-configuration`. */
export async function remoteKeySet(issuer: string, jwksUrl?: string): Promise<JWTVerifyGetKey> {
  const cacheKey = `${issuer}|${jwksUrl ?? ""}`;
  const cached = remoteKeySets.get(cacheKey);
  if (cached) return cached;
  let url = jwksUrl;
  if (!url) {
    const res = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    if (!res.ok) throw new TokenError(`issuer discovery failed with HTTP ${res.status}`);
    const doc = Discovery.parse(await res.json());
    if (doc.issuer !== issuer) throw new TokenError("issuer discovery returned a different issuer");
    url = doc.jwks_uri;
  }
  const set = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  remoteKeySets.set(cacheKey, set);
  return set;
}

const localKeySets = new WeakMap<JSONWebKeySet, JWTVerifyGetKey>();

/** The key set of `jwks`, one per key set object: jose imports each key once per set, not per token. */
export function localKeySet(jwks: JSONWebKeySet): JWTVerifyGetKey {
  let set = localKeySets.get(jwks);
  if (!set) {
    set = createLocalJWKSet(jwks);
    localKeySets.set(jwks, set);
  }
  return set;
}

export async function verifyAccessToken(token: string, keys: JWTVerifyGetKey, opts: VerifyOptions): Promise<VerifiedIdentity> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: opts.issuer,
      audience: opts.audience,
      clockTolerance: opts.clockToleranceS,
      algorithms: ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"],
      requiredClaims: ["exp", "sub"],
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new TokenError("token expired", true);
    if (err instanceof errors.JWTClaimValidationFailed) throw new TokenError(`token claim "${err.claim}" is not valid`);
    if (err instanceof errors.JOSEError) throw new TokenError("token is not valid for this service");
    throw err;
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new TokenError("token lacks the sub and email claims");
  // Keycloak marks access tokens `typ: Bearer`; refresh and ID tokens must not open the API.
  if (claims.data.typ !== undefined && claims.data.typ !== "Bearer") throw new TokenError("not an access token");
  // Every client of a realm may get tokens; only the listed ones (Keycloak's `azp`) act on our API.
  const parties = opts.authorizedParties ?? [];
  if (parties.length > 0 && (claims.data.azp === undefined || !parties.includes(claims.data.azp))) {
    throw new TokenError("token was issued to a client this service does not accept");
  }
  return {
    issuer: opts.issuer,
    subject: claims.data.sub,
    email: claims.data.email.toLowerCase(),
    emailVerified: claims.data.email_verified ?? false,
    name: claims.data.name ?? claims.data.preferred_username ?? null,
    roles: claims.data.realm_access?.roles ?? [],
  };
}
