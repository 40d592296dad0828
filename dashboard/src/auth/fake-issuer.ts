// A test double of the dev issuer's protocol for the auth store's tests, faithful where the client
// checks it: discovery, and a token endpoint that checks the PKCE verifier against the challenge
// of the last authorization, rotates numbered refresh tokens, and returns ID tokens (JWT-shaped,
// unsigned: the client reads claims only) carrying that authorization's nonce. `idClaims` lets a
// test forge one claim (another nonce, audience, issuer, an expired token).
import { fakeFetch, json, testConfig } from "../test-support.ts";
import { base64url, challengeS256 } from "./pkce.ts";

export interface FakeIssuerOptions {
  expiresIn?: number;
  failRefresh?: boolean;
  /** The issuer's clock, epoch ms (ID tokens' iat/exp). */
  now?: () => number;
  /** Changes to the claims of the ID tokens it issues. */
  idClaims?: (claims: Record<string, unknown>, grant: "authorization_code" | "refresh_token") => Record<string, unknown>;
}

const encode = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
export const fakeJwt = (claims: Record<string, unknown>) => `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}.c2lnbmF0dXJl`;

export function fakeIssuer(opts: FakeIssuerOptions = {}) {
  const issuer = testConfig.issuer;
  const now = opts.now ?? (() => 1_000_000);
  let challenge: string | null = null;
  let nonce: string | null = null;
  let issued = 0;
  const fetch = fakeFetch(async (req) => {
    if (req.url === `${issuer}/.well-known/openid-configuration`) {
      return json({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, end_session_endpoint: `${issuer}/logout` });
    }
    if (req.url === `${issuer}/token` && req.method === "POST") {
      const form = new URLSearchParams(req.body ?? "");
      const grant = form.get("grant_type");
      if (grant === "authorization_code") {
        if (form.get("code") !== "the-code" || (await challengeS256(form.get("code_verifier") ?? "")) !== challenge) {
          return json({ error: "invalid_grant", error_description: "PKCE verification failed" }, 400);
        }
      } else if (grant === "refresh_token") {
        if (opts.failRefresh || form.get("refresh_token") !== `refresh-${issued}`) return json({ error: "invalid_grant", error_description: "the refresh token is invalid or expired" }, 400);
      } else return json({ error: "unsupported_grant_type" }, 400);
      issued += 1;
      const iat = Math.floor(now() / 1000);
      const claims = { iss: issuer, sub: "user-1", aud: testConfig.clientId, azp: testConfig.clientId, iat, exp: iat + 3600, auth_time: iat, ...(grant === "authorization_code" && nonce ? { nonce } : {}) };
      const idToken = fakeJwt(opts.idClaims ? opts.idClaims(claims, grant) : claims);
      return json({ access_token: `access-${issued}`, token_type: "Bearer", expires_in: opts.expiresIn ?? 3600, refresh_token: `refresh-${issued}`, id_token: idToken });
    }
    return json({ error: "not found" }, 404);
  });
  return {
    fetch,
    /** What the authorization endpoint would remember from the redirect URL. */
    authorize(url: string) {
      const q = new URL(url).searchParams;
      challenge = q.get("code_challenge");
      nonce = q.get("nonce");
    },
  };
}
