// A small OpenID Connect provider for the embedded default, enabled by configuration only: the
// discovery document, JWKS, the authorization endpoint (authorize.ts: a sign-in page listing the
// seeded users; code flow with PKCE S256), the token endpoint (token-endpoint.ts), UserInfo and
// end-session. It is a development tool, but a conformant one: openid-client runs every flow
// against it in conformance.test.ts. Tokens it signs are verified by the API through exactly the
// same jose path as Keycloak's.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { devIdentities } from "@speaknode/db";
import { loadDevSigningKey } from "./keys.ts";
import { authorize, clearSession, formBody, singleParams } from "./authorize.ts";
import { registeredClients } from "./clients.ts";
import { grantLedger } from "./grants.ts";
import { tokenEndpoint } from "./token-endpoint.ts";
import { hasScope, verifyAccessTokenClaims, type IssueContext } from "./tokens.ts";

const base = "/dev/oidc";

async function issueContext(c: Context<AppEnv>, clientId: string): Promise<IssueContext> {
  const config = c.get("config");
  if (!config.devTools.enabled) throw new ApiError("not_found");
  return { issuer: config.oidc.issuer, audience: config.oidc.audience, clientId, key: await loadDevSigningKey(config.devTools.privateJwk) };
}

/** RFC 6750 §3: a refused bearer token says why in WWW-Authenticate (no error code when none was sent). */
function bearerChallenge(issuer: string, error?: { code: "invalid_request" | "invalid_token"; description: string }): Response {
  const params = [`realm="${issuer}"`, ...(error ? [`error="${error.code}"`, `error_description="${error.description}"`] : [])];
  const body = error ? JSON.stringify({ error: error.code, error_description: error.description }) : null;
  return new Response(body, {
    status: error?.code === "invalid_request" ? 400 : 401,
    headers: { "www-authenticate": `Bearer ${params.join(", ")}`, "cache-control": "no-store", ...(body ? { "content-type": "application/json" } : {}) },
  });
}

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
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token", "password"],
      code_challenge_methods_supported: ["S256"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["none"],
      scopes_supported: ["openid", "email", "profile", "offline_access"],
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "sid", "email", "email_verified", "name", "preferred_username"],
      prompt_values_supported: ["none", "login", "consent", "select_account"],
      authorization_response_iss_parameter_supported: true,
      claims_parameter_supported: false,
      request_parameter_supported: false,
      // The default is true (OIDC Discovery §3): say plainly that request_uri is not supported.
      request_uri_parameter_supported: false,
    });
  });

  app.get(`${base}/jwks`, async (c) => {
    const { key } = await issueContext(c, "");
    return c.json(key.jwks, 200, { "cache-control": "public, max-age=300" });
  });

  const ctxFor = (c: Context<AppEnv>) => (clientId: string) => issueContext(c, clientId);
  app.get(`${base}/auth`, (c) => authorize(c, singleParams(new URL(c.req.url).searchParams), ctxFor(c)));
  app.post(`${base}/auth`, async (c) => authorize(c, singleParams(new URLSearchParams(await formBody(c))), ctxFor(c)));
  app.post(`${base}/token`, (c) => tokenEndpoint(c, ctxFor(c)));

  // UserInfo (OIDC Core §5.3) by GET or POST; the token in the Authorization header, or for POST
  // in the form body (RFC 6750 §2.2), never both.
  const userinfo = async (c: Context<AppEnv>) => {
    const ctx = await issueContext(c, "");
    const header = c.req.header("authorization");
    const fromHeader = header === undefined ? undefined : (/^Bearer ([\x21-\x7e]+)$/i.exec(header)?.[1] ?? "");
    let fromBody: string | undefined;
    if (c.req.method === "POST" && (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      fromBody = new URLSearchParams(await formBody(c)).get("access_token") ?? undefined;
    }
    if (fromHeader !== undefined && fromBody !== undefined) return bearerChallenge(ctx.issuer, { code: "invalid_request", description: "send the access token once" });
    const token = fromHeader ?? fromBody;
    if (token === undefined) return bearerChallenge(ctx.issuer);
    const claims = token ? await verifyAccessTokenClaims(token, ctx) : null;
    const who = claims && !(claims.sid && grantLedger.isRevoked(claims.sid)) ? devIdentities.find((u) => u.sub === claims.sub) : undefined;
    if (!claims || !who) return bearerChallenge(ctx.issuer, { code: "invalid_token", description: "the access token is invalid, expired or revoked" });
    return c.json(
      {
        sub: who.sub,
        ...(hasScope(claims.scope, "email") ? { email: who.email, email_verified: true } : {}),
        ...(hasScope(claims.scope, "profile") ? { name: who.name, preferred_username: who.email } : {}),
      },
      200,
      { "cache-control": "no-store" },
    );
  };
  app.get(`${base}/userinfo`, userinfo);
  app.post(`${base}/userinfo`, userinfo);

  // RP-initiated logout: ends the issuer's session, then returns only to a registered URI.
  app.get(`${base}/logout`, async (c) => {
    await issueContext(c, "");
    clearSession(c);
    const target = c.req.query("post_logout_redirect_uri");
    if (target && registeredClients(c.get("config")).some((client) => client.postLogoutRedirectUris.includes(target))) {
      const url = new URL(target);
      const state = c.req.query("state");
      if (state) url.searchParams.set("state", state);
      return c.redirect(url.toString(), 302);
    }
    return c.text("Signed out of the development issuer.");
  });
}
