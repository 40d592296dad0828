// Tokens of the development issuer, shaped like Keycloak's: access tokens (`typ: Bearer`, audience
// = the API), ID tokens, and — audience = the issuer itself, so the API never accepts them —
// refresh tokens, authorization codes and the issuer's own sign-in session (a cookie). Every token
// of one sign-in carries the same `sid`, which the grant ledger revokes after a replay.
import { SignJWT, jwtVerify, createLocalJWKSet } from "jose";
import { z } from "zod";
import { text } from "@speaknode/contracts";
import type { DevIdentity } from "@speaknode/db";
import type { DevSigningKey } from "./keys.ts";

export const accessTokenTtlS = 3600;
export const refreshTokenTtlS = 8 * 3600;
export const codeTtlS = 60;
/** The issuer's sign-in session (its cookie) lasts as long as a refresh token. */
export const sessionTtlS = refreshTokenTtlS;

export interface IssueContext {
  issuer: string;
  audience: string;
  clientId: string;
  key: DevSigningKey;
}

function signer(ctx: IssueContext, claims: Record<string, unknown>) {
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: ctx.key.kid, typ: "JWT" }).setIssuer(ctx.issuer).setIssuedAt().setJti(crypto.randomUUID());
}

export const hasScope = (scope: string, wanted: string) => scope.split(" ").includes(wanted);

export interface GrantFacts {
  scope: string;
  /** When the user signed in (epoch s); ID tokens carry it as `auth_time` (OIDC Core §2). */
  authTime: number;
  /** The grant: one per code redemption or password sign-in, kept across refreshes. */
  sid: string;
  /** Only on the code exchange: OIDC Core §12.2 wants no nonce in refreshed ID tokens. */
  nonce?: string | undefined;
}

export async function issueTokens(ctx: IssueContext, who: DevIdentity, grant: GrantFacts) {
  const profile = { email: who.email, email_verified: true, name: who.name, preferred_username: who.email };
  const accessToken = await signer(ctx, { ...profile, typ: "Bearer", azp: ctx.clientId, scope: grant.scope, sid: grant.sid, realm_access: { roles: who.roles } })
    .setSubject(who.sub)
    .setAudience(ctx.audience)
    .setExpirationTime(`${accessTokenTtlS}s`)
    .sign(ctx.key.privateKey);
  const idToken = hasScope(grant.scope, "openid")
    ? await signer(ctx, { ...profile, typ: "ID", azp: ctx.clientId, sid: grant.sid, auth_time: grant.authTime, ...(grant.nonce ? { nonce: grant.nonce } : {}) })
        .setSubject(who.sub)
        .setAudience(ctx.clientId)
        .setExpirationTime(`${accessTokenTtlS}s`)
        .sign(ctx.key.privateKey)
    : undefined;
  const refreshToken = await signer(ctx, { typ: "Refresh", azp: ctx.clientId, scope: grant.scope, sid: grant.sid, auth_time: grant.authTime })
    .setSubject(who.sub)
    .setAudience(ctx.issuer)
    .setExpirationTime(`${refreshTokenTtlS}s`)
    .sign(ctx.key.privateKey);
  return {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: accessTokenTtlS,
    refresh_token: refreshToken,
    refresh_expires_in: refreshTokenTtlS,
    ...(idToken ? { id_token: idToken } : {}),
    scope: grant.scope,
  };
}

const Registered = { jti: text(), exp: z.number() };

export const CodeClaims = z.object({
  ...Registered,
  sub: text(),
  typ: z.literal("Code"),
  azp: text(),
  redirect_uri: text(),
  code_challenge: text(),
  scope: text(),
  nonce: text().optional(),
  auth_time: z.number().int(),
  sid: text(),
});
export type CodeClaims = z.infer<typeof CodeClaims>;

export function issueCode(ctx: IssueContext, claims: Omit<CodeClaims, "typ" | "azp" | "jti" | "exp">): Promise<string> {
  return signer(ctx, { ...claims, typ: "Code", azp: ctx.clientId }).setAudience(ctx.issuer).setExpirationTime(`${codeTtlS}s`).sign(ctx.key.privateKey);
}

const RefreshClaims = z.object({ ...Registered, sub: text(), typ: z.literal("Refresh"), azp: text(), scope: text(), sid: text(), auth_time: z.number().int() });

const SessionClaims = z.object({ sub: text(), typ: z.literal("Session"), auth_time: z.number().int() });
export type SessionClaims = z.infer<typeof SessionClaims>;

/** The issuer's sign-in session: who chose to sign in here, and when. */
export function issueSession(ctx: IssueContext, claims: Omit<SessionClaims, "typ">): Promise<string> {
  return signer(ctx, { ...claims, typ: "Session" }).setAudience(ctx.issuer).setExpirationTime(`${sessionTtlS}s`).sign(ctx.key.privateKey);
}

async function verifyOwn<T extends z.ZodType>(token: string, ctx: IssueContext, schema: T, audience = ctx.issuer): Promise<z.infer<T> | null> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(ctx.key.jwks), { issuer: ctx.issuer, audience });
    const parsed = schema.safeParse(payload);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const verifyCode = (code: string, ctx: IssueContext) => verifyOwn(code, ctx, CodeClaims);
export const verifyRefreshToken = (token: string, ctx: IssueContext) => verifyOwn(token, ctx, RefreshClaims);
export const verifySession = (token: string, ctx: IssueContext) => verifyOwn(token, ctx, SessionClaims);

const AccessClaims = z.object({ sub: text(), typ: z.literal("Bearer"), scope: text(), sid: text().optional() });
/** An access token this issuer signed for the API (what UserInfo accepts). */
export const verifyAccessTokenClaims = (token: string, ctx: IssueContext) => verifyOwn(token, ctx, AccessClaims, ctx.audience);

/** PKCE S256: BASE64URL(SHA-256(verifier)) must equal the challenge sent to /auth. */
export async function pkceS256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  let bin = "";
  for (const b of digest) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
