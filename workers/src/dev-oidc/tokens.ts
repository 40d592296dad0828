// Tokens of the development issuer, shaped like Keycloak's: access tokens (`typ: Bearer`, audience
// = the API), ID tokens, refresh tokens and authorization codes (both audience = the issuer
// itself, so the API never accepts them).
import { SignJWT, jwtVerify, createLocalJWKSet } from "jose";
import { z } from "zod";
import { text } from "@speaknode/contracts";
import type { DevIdentity } from "@speaknode/db";
import type { DevSigningKey } from "./keys.ts";

export const accessTokenTtlS = 3600;
export const refreshTokenTtlS = 8 * 3600;
export const codeTtlS = 60;

export interface IssueContext {
  issuer: string;
  audience: string;
  clientId: string;
  key: DevSigningKey;
}

function signer(ctx: IssueContext, claims: Record<string, unknown>) {
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: ctx.key.kid, typ: "JWT" }).setIssuer(ctx.issuer).setIssuedAt().setJti(crypto.randomUUID());
}

export async function issueTokens(ctx: IssueContext, who: DevIdentity, opts: { nonce?: string | undefined; scope: string }) {
  const profile = { email: who.email, email_verified: true, name: who.name, preferred_username: who.email };
  const accessToken = await signer(ctx, { ...profile, typ: "Bearer", azp: ctx.clientId, scope: opts.scope, realm_access: { roles: who.roles } })
    .setSubject(who.sub)
    .setAudience(ctx.audience)
    .setExpirationTime(`${accessTokenTtlS}s`)
    .sign(ctx.key.privateKey);
  const idToken = await signer(ctx, { ...profile, typ: "ID", azp: ctx.clientId, ...(opts.nonce ? { nonce: opts.nonce } : {}) })
    .setSubject(who.sub)
    .setAudience(ctx.clientId)
    .setExpirationTime(`${accessTokenTtlS}s`)
    .sign(ctx.key.privateKey);
  const refreshToken = await signer(ctx, { typ: "Refresh", azp: ctx.clientId, scope: opts.scope })
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
    id_token: idToken,
    scope: opts.scope,
  };
}

export const CodeClaims = z.object({
  sub: text(),
  typ: z.literal("Code"),
  azp: text(),
  redirect_uri: text(),
  code_challenge: text(),
  scope: text(),
  nonce: text().optional(),
});
export type CodeClaims = z.infer<typeof CodeClaims>;

export function issueCode(ctx: IssueContext, claims: Omit<CodeClaims, "typ" | "azp">): Promise<string> {
  return signer(ctx, { ...claims, typ: "Code", azp: ctx.clientId }).setAudience(ctx.issuer).setExpirationTime(`${codeTtlS}s`).sign(ctx.key.privateKey);
}

const RefreshClaims = z.object({ sub: text(), typ: z.literal("Refresh"), azp: text(), scope: text() });

async function verifyOwn<T extends z.ZodType>(token: string, ctx: IssueContext, schema: T): Promise<z.infer<T> | null> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(ctx.key.jwks), { issuer: ctx.issuer, audience: ctx.issuer });
    const parsed = schema.safeParse(payload);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const verifyCode = (code: string, ctx: IssueContext) => verifyOwn(code, ctx, CodeClaims);
export const verifyRefreshToken = (token: string, ctx: IssueContext) => verifyOwn(token, ctx, RefreshClaims);

/** PKCE S256: BASE64URL(SHA-256(verifier)) must equal the challenge sent to /auth. */
export async function pkceS256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  let bin = "";
  for (const b of digest) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
