// The OIDC protocol steps a public browser client needs, free of browser globals (fetch is
// passed in) so tests run them against a fake issuer: discovery, the authorization URL,
// the code exchange and the refresh grant (RFC 6749 form posts, `token_endpoint_auth_method: none`),
// and the ID token's claims checks (OIDC Core §3.1.3.7): iss, aud/azp, exp, iat and the nonce this
// sign-in sent. The signature is not checked: the token comes straight from the token endpoint
// over the connection this client opened, which §3.1.3.7 step 6 accepts in place of it, and it
// keeps a JOSE library out of the dashboard's first load.
import { z } from "zod";

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

const DiscoveryDoc = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  end_session_endpoint: z.string().optional(),
});
export type Discovery = z.infer<typeof DiscoveryDoc>;

const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
  refresh_token: z.string().optional(),
  refresh_expires_in: z.number().optional(),
  id_token: z.string().optional(),
});

export interface Tokens {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

export class OidcError extends Error {
  override name = "OidcError";
}

const IdTokenClaims = z.object({
  iss: z.string(),
  sub: z.string().min(1),
  aud: z.union([z.string(), z.array(z.string()).min(1)]),
  exp: z.number(),
  iat: z.number(),
  azp: z.string().optional(),
  nonce: z.string().optional(),
  auth_time: z.number().optional(),
});
export type IdTokenClaims = z.infer<typeof IdTokenClaims>;

/** How far the issuer's clock may be from ours. */
export const clockSkewS = 120;

/** The claims of a compact JWS, unverified (see above for why that is enough here). */
export function decodeIdToken(idToken: string): IdTokenClaims {
  const part = idToken.split(".");
  if (part.length !== 3 || !part[1]) throw new OidcError("the ID token is not a JWT");
  try {
    const json = atob(part[1].replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(json, (ch) => ch.charCodeAt(0));
    return IdTokenClaims.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    throw new OidcError("the ID token cannot be read");
  }
}

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** Epoch ms. */
  now: number;
  /** The nonce this sign-in sent (code exchange), or the first ID token's claims (refresh, OIDC Core §12.2). */
  nonce: string | { previous: IdTokenClaims };
}

/** OIDC Core §3.1.3.7 and §12.2: an ID token for this client, from this issuer, alive, of this sign-in. */
export function validateIdToken(idToken: string, e: IdTokenExpectations): IdTokenClaims {
  const c = decodeIdToken(idToken);
  if (c.iss !== e.issuer) throw new OidcError("the ID token comes from another issuer");
  const audiences = typeof c.aud === "string" ? [c.aud] : c.aud;
  if (!audiences.includes(e.clientId)) throw new OidcError("the ID token is for another client");
  if ((audiences.length > 1 || c.azp !== undefined) && c.azp !== e.clientId) throw new OidcError("the ID token was issued to another party (azp)");
  const nowS = e.now / 1000;
  if (c.exp <= nowS - clockSkewS) throw new OidcError("the ID token has expired");
  if (c.iat > nowS + clockSkewS) throw new OidcError("the ID token is issued in the future");
  if (typeof e.nonce === "string") {
    if (c.nonce !== e.nonce) throw new OidcError("the ID token does not carry this sign-in's nonce");
  } else {
    const first = e.nonce.previous;
    if (c.sub !== first.sub) throw new OidcError("the refreshed ID token names another user");
    if (c.nonce !== undefined && c.nonce !== first.nonce) throw new OidcError("the refreshed ID token carries another nonce");
  }
  return c;
}

export const scope = "openid email profile offline_access";

export async function discover(issuer: string, fetch: Fetch): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { accept: "application/json" } });
  if (!res.ok) throw new OidcError(`issuer discovery failed with HTTP ${res.status}`);
  const doc = DiscoveryDoc.parse(await res.json());
  // RFC 8414 §3.3: the document must name the issuer we asked, or it may be someone else's.
  if (doc.issuer.replace(/\/+$/, "") !== issuer) throw new OidcError(`discovery names issuer ${doc.issuer}, expected ${issuer}`);
  return doc;
}

export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string;
  nonce: string;
}

export function authorizeUrl(d: Discovery, p: AuthorizeParams): string {
  const url = new URL(d.authorization_endpoint);
  const q = url.searchParams;
  q.set("response_type", "code");
  q.set("client_id", p.clientId);
  q.set("redirect_uri", p.redirectUri);
  q.set("scope", scope);
  q.set("code_challenge", p.codeChallenge);
  q.set("code_challenge_method", "S256");
  q.set("state", p.state);
  q.set("nonce", p.nonce);
  return url.toString();
}

async function tokenRequest(d: Discovery, fetch: Fetch, form: Record<string, string>, now: number): Promise<Tokens> {
  const res = await fetch(d.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form).toString(),
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const described = z.object({ error: z.string(), error_description: z.string().optional() }).safeParse(body);
    const why = described.success ? described.data.error_description ?? described.data.error : `HTTP ${res.status}`;
    throw new OidcError(`token request failed: ${why}`);
  }
  const t = TokenResponse.parse(body);
  return { accessToken: t.access_token, refreshToken: t.refresh_token ?? null, idToken: t.id_token ?? null, expiresAt: now + t.expires_in * 1000 };
}

export async function exchangeCode(
  d: Discovery,
  fetch: Fetch,
  p: { clientId: string; redirectUri: string; code: string; codeVerifier: string; nonce: string },
  now: number,
): Promise<Tokens> {
  const t = await tokenRequest(d, fetch, { grant_type: "authorization_code", client_id: p.clientId, redirect_uri: p.redirectUri, code: p.code, code_verifier: p.codeVerifier }, now);
  // The scope asks for openid, so the code exchange must answer with an ID token (OIDC Core §3.1.3.3).
  if (!t.idToken) throw new OidcError("the issuer returned no ID token");
  validateIdToken(t.idToken, { issuer: d.issuer, clientId: p.clientId, now, nonce: p.nonce });
  return t;
}

export async function refreshTokens(d: Discovery, fetch: Fetch, p: { clientId: string; refreshToken: string; idToken: string | null }, now: number): Promise<Tokens> {
  const t = await tokenRequest(d, fetch, { grant_type: "refresh_token", client_id: p.clientId, refresh_token: p.refreshToken }, now);
  if (t.idToken) {
    if (!p.idToken) throw new OidcError("a refresh answered with an ID token, but this sign-in had none");
    validateIdToken(t.idToken, { issuer: d.issuer, clientId: p.clientId, now, nonce: { previous: decodeIdToken(p.idToken) } });
  }
  // Issuers that do not rotate refresh tokens return none, and a refresh need not return an ID
  // token: keep the old ones (the ID token is still the sign-out hint).
  return { ...t, refreshToken: t.refreshToken ?? p.refreshToken, idToken: t.idToken ?? p.idToken };
}

export function endSessionUrl(d: Discovery, p: { clientId: string; idToken: string | null; postLogoutRedirectUri: string }): string | null {
  if (!d.end_session_endpoint) return null;
  const url = new URL(d.end_session_endpoint);
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("post_logout_redirect_uri", p.postLogoutRedirectUri);
  if (p.idToken) url.searchParams.set("id_token_hint", p.idToken);
  return url.toString();
}
