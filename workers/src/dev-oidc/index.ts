// A small OpenID Connect provider for the embedded default, enabled by configuration only: the
// discovery document, JWKS, an authorization endpoint (a sign-in page listing the seeded users;
// code flow with PKCE S256), a token endpoint (authorization_code, refresh_token, and the password
// grant like Keycloak's direct access grants), userinfo and end-session. Tokens it signs are
// verified by the API through exactly the same jose path as Keycloak's.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { devIdentities, devPassword } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, problemBody } from "../errors.ts";
import { problemContentType, text } from "@speaknode/contracts";
import { loadDevSigningKey } from "./keys.ts";
import { signInPage } from "./sign-in-page.ts";
import { issueCode, issueTokens, pkceS256, verifyCode, verifyRefreshToken, type IssueContext } from "./tokens.ts";
import { localKeySet, verifyAccessToken } from "../auth/jwt.ts";

const base = "/dev/oidc";

async function issueContext(c: Context<AppEnv>, clientId: string): Promise<IssueContext> {
  const config = c.get("config");
  if (!config.devTools.enabled) throw new ApiError("not_found");
  return { issuer: config.oidc.issuer, audience: config.oidc.audience, clientId, key: await loadDevSigningKey(config.devTools.privateJwk) };
}

/** Redirects only back to this machine or to the issuer's own origin: this issuer is for local use. */
function allowedRedirect(uri: string, issuer: string): boolean {
  try {
    const url = new URL(uri);
    if (url.origin === new URL(issuer).origin) return true;
    return url.protocol === "http:" && (url.hostname === "127.0.0.1" || url.hostname === "localhost");
  } catch {
    return false;
  }
}

/** OAuth errors (RFC 6749 §5.2) in a problem+json body, so both kinds of client understand them. */
function oauthError(c: Context<AppEnv>, error: string, description: string, status: 400 | 401 = 400): Response {
  const body = { ...problemBody(status === 401 ? "unauthorized" : "validation_failed", c.get("requestId"), description), error, error_description: description };
  return new Response(JSON.stringify(body), { status, headers: { "content-type": problemContentType, "cache-control": "no-store" } });
}

const AuthorizeParams = z.object({
  response_type: z.literal("code"),
  client_id: text().min(1).max(200),
  redirect_uri: text().min(1).max(2000),
  code_challenge: text().min(43).max(128),
  code_challenge_method: z.literal("S256"),
  scope: text().max(500).default("openid"),
  state: text().max(2000).optional(),
  nonce: text().max(500).optional(),
});

export function registerDevOidc(app: OpenAPIHono<AppEnv>): void {
  app.get(`${base}/.well-known/openid-configuration`, async (c) => {
    const { issuer } = await issueContext(c, "");
    return c.json({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      end_session_endpoint: `${issuer}/logout`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token", "password"],
      code_challenge_methods_supported: ["S256"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["none", "client_secret_post"],
      scopes_supported: ["openid", "email", "profile", "offline_access"],
    });
  });

  app.get(`${base}/jwks`, async (c) => {
    const { key } = await issueContext(c, "");
    return c.json(key.jwks, 200, { "cache-control": "public, max-age=300" });
  });

  const authorize = async (c: Context<AppEnv>, raw: Record<string, string>) => {
    const parsed = AuthorizeParams.safeParse(raw);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
      throw new ApiError("validation_failed", `invalid authorization request: ${fields}`);
    }
    const q = parsed.data;
    const ctx = await issueContext(c, q.client_id);
    if (!allowedRedirect(q.redirect_uri, ctx.issuer)) throw new ApiError("validation_failed", "redirect_uri must be on 127.0.0.1, localhost or this issuer's origin");
    const hidden = Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === "string"));
    if (c.req.method === "GET") return c.html(signInPage(devIdentities, hidden, q.client_id));
    const who = devIdentities.find((u) => u.sub === raw["login_hint"]);
    if (!who) return c.html(signInPage(devIdentities, hidden, q.client_id), 400);
    const code = await issueCode(ctx, { sub: who.sub, redirect_uri: q.redirect_uri, code_challenge: q.code_challenge, scope: q.scope, nonce: q.nonce });
    const target = new URL(q.redirect_uri);
    target.searchParams.set("code", code);
    if (q.state) target.searchParams.set("state", q.state);
    target.searchParams.set("iss", ctx.issuer);
    return c.redirect(target.toString(), 302);
  };
  app.get(`${base}/auth`, (c) => authorize(c, c.req.query()));
  app.post(`${base}/auth`, async (c) => authorize(c, formFields(await c.req.parseBody())));

  app.post(`${base}/token`, async (c) => {
    const form = formFields(await c.req.parseBody());
    const clientId = form["client_id"] ?? "";
    if (!clientId) return oauthError(c, "invalid_client", "client_id is required", 401);
    const ctx = await issueContext(c, clientId);
    switch (form["grant_type"]) {
      case "authorization_code": {
        const code = await verifyCode(form["code"] ?? "", ctx);
        if (!code || code.azp !== clientId) return oauthError(c, "invalid_grant", "the code is invalid or expired");
        if (code.redirect_uri !== form["redirect_uri"]) return oauthError(c, "invalid_grant", "redirect_uri does not match the authorization request");
        if ((await pkceS256(form["code_verifier"] ?? "")) !== code.code_challenge) return oauthError(c, "invalid_grant", "PKCE verification failed");
        const who = devIdentities.find((u) => u.sub === code.sub);
        if (!who) return oauthError(c, "invalid_grant", "unknown user");
        return c.json(await issueTokens(ctx, who, { nonce: code.nonce, scope: code.scope }), 200, { "cache-control": "no-store" });
      }
      case "refresh_token": {
        const refresh = await verifyRefreshToken(form["refresh_token"] ?? "", ctx);
        if (!refresh || refresh.azp !== clientId) return oauthError(c, "invalid_grant", "the refresh token is invalid or expired");
        const who = devIdentities.find((u) => u.sub === refresh.sub);
        if (!who) return oauthError(c, "invalid_grant", "unknown user");
        return c.json(await issueTokens(ctx, who, { scope: refresh.scope }), 200, { "cache-control": "no-store" });
      }
      case "password": {
        const who = devIdentities.find((u) => u.email === (form["username"] ?? "").toLowerCase());
        if (!who || form["password"] !== devPassword) return oauthError(c, "invalid_grant", "invalid user credentials", 401);
        return c.json(await issueTokens(ctx, who, { scope: form["scope"] ?? "openid email profile" }), 200, { "cache-control": "no-store" });
      }
      default:
        return oauthError(c, "unsupported_grant_type", "grant_type must be authorization_code, refresh_token or password");
    }
  });

  app.get(`${base}/userinfo`, async (c) => {
    const ctx = await issueContext(c, "");
    const token = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (!token) throw new ApiError("unauthorized", "missing bearer token");
    const config = c.get("config");
    const who = await verifyAccessToken(token, localKeySet(ctx.key.jwks), config.oidc).catch(() => {
      throw new ApiError("unauthorized", "invalid access token");
    });
    return c.json({ sub: who.subject, email: who.email, email_verified: who.emailVerified, name: who.name });
  });

  app.get(`${base}/logout`, async (c) => {
    const ctx = await issueContext(c, "");
    const target = c.req.query("post_logout_redirect_uri");
    if (target && allowedRedirect(target, ctx.issuer)) return c.redirect(target, 302);
    return c.text("Signed out of the development issuer.");
  });
}

function formFields(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}
