// The token endpoint (RFC 6749 §3.2): authorization_code with PKCE, refresh_token with rotation,
// and the password grant (Keycloak's direct access grants, for scripts). Errors are RFC 6749 §5.2
// JSON ({error, error_description}, 400; invalid_client 401) with Cache-Control: no-store, the
// shape every OAuth client library reads. A code is single-use: redeeming it again fails and
// revokes what the first redemption issued (§4.1.2). A refresh token is used once: the response
// carries its successor, and presenting a used one revokes the whole grant (RFC 9700 §4.14.2).
import type { Context } from "hono";
import { devIdentities, devPassword } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { findClient } from "./clients.ts";
import { grantLedger } from "./grants.ts";
import { formBody, singleParams } from "./authorize.ts";
import { hasScope, issueTokens, pkceS256, refreshTokenTtlS, verifyCode, verifyRefreshToken, type IssueContext } from "./tokens.ts";

export function oauthError(error: string, description: string, status: 400 | 401 = 400): Response {
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" };
  // RFC 9110 §15.5.2: a 401 names how to authenticate; public clients identify with client_id alone.
  if (status === 401) headers["www-authenticate"] = 'Basic realm="speaknode-dev-oidc"';
  return new Response(JSON.stringify({ error, error_description: description }), { status, headers });
}

const tokens = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" } });

export async function tokenEndpoint(c: Context<AppEnv>, ctxFor: (clientId: string) => Promise<IssueContext>): Promise<Response> {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    await ctxFor("");
    return oauthError("invalid_request", "the token request must be application/x-www-form-urlencoded");
  }
  const form = singleParams(new URLSearchParams(await formBody(c)));
  const ctx = await ctxFor(typeof form === "string" ? "" : (form["client_id"] ?? ""));
  if (typeof form === "string") return oauthError("invalid_request", `the parameter ${form} is given more than once`);
  const grantType = form["grant_type"];
  if (!grantType) return oauthError("invalid_request", "grant_type is required");
  const clientId = form["client_id"] ?? "";
  const nowS = Math.floor(Date.now() / 1000);

  if (grantType === "password") {
    const who = devIdentities.find((u) => u.email === (form["username"] ?? "").toLowerCase());
    if (!who || form["password"] !== devPassword) return oauthError("invalid_grant", "invalid user credentials");
    const scope = form["scope"] ?? "openid email profile";
    return tokens(await issueTokens(ctx, who, { scope, authTime: nowS, sid: crypto.randomUUID() }));
  }
  if (grantType !== "authorization_code" && grantType !== "refresh_token") {
    return oauthError("unsupported_grant_type", "grant_type must be authorization_code, refresh_token or password");
  }
  if (!findClient(c.get("config"), clientId)) return oauthError("invalid_client", clientId ? "unknown client_id" : "client_id is required", 401);

  if (grantType === "authorization_code") {
    if (!form["code"]) return oauthError("invalid_request", "code is required");
    const code = await verifyCode(form["code"], ctx);
    if (!code || code.azp !== clientId) return oauthError("invalid_grant", "the code is invalid or expired");
    if (code.redirect_uri !== form["redirect_uri"]) return oauthError("invalid_grant", "redirect_uri does not match the authorization request");
    if ((await pkceS256(form["code_verifier"] ?? "")) !== code.code_challenge) return oauthError("invalid_grant", "PKCE verification failed");
    if (!grantLedger.use(code.jti, code.exp)) {
      grantLedger.revoke(code.sid, nowS + refreshTokenTtlS);
      return oauthError("invalid_grant", "the code was already used; the tokens issued for it are revoked");
    }
    const who = devIdentities.find((u) => u.sub === code.sub);
    if (!who) return oauthError("invalid_grant", "unknown user");
    return tokens(await issueTokens(ctx, who, { scope: code.scope, authTime: code.auth_time, sid: code.sid, nonce: code.nonce }));
  }

  if (!form["refresh_token"]) return oauthError("invalid_request", "refresh_token is required");
  const refresh = await verifyRefreshToken(form["refresh_token"], ctx);
  if (!refresh || refresh.azp !== clientId || grantLedger.isRevoked(refresh.sid)) return oauthError("invalid_grant", "the refresh token is invalid, expired or revoked");
  if (!grantLedger.use(refresh.jti, refresh.exp)) {
    grantLedger.revoke(refresh.sid, nowS + refreshTokenTtlS);
    return oauthError("invalid_grant", "the refresh token was already used; the grant is revoked");
  }
  // A refresh may narrow the scope, never widen it (RFC 6749 §6).
  const scope = form["scope"] ?? refresh.scope;
  if (!scope.split(" ").filter(Boolean).every((s) => hasScope(refresh.scope, s))) return oauthError("invalid_scope", "the scope exceeds what was granted");
  const who = devIdentities.find((u) => u.sub === refresh.sub);
  if (!who) return oauthError("invalid_grant", "unknown user");
  return tokens(await issueTokens(ctx, who, { scope, authTime: refresh.auth_time, sid: refresh.sid }));
}
