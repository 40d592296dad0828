// The OIDC protocol steps a public browser client needs, free of browser globals (fetch is
// passed in) so tests run them against a fake issuer: discovery, the authorization URL,
// the code exchange and the refresh grant (RFC 6749 form posts, `token_endpoint_auth_method: none`).
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

export function exchangeCode(
  d: Discovery,
  fetch: Fetch,
  p: { clientId: string; redirectUri: string; code: string; codeVerifier: string },
  now: number,
): Promise<Tokens> {
  return tokenRequest(d, fetch, { grant_type: "authorization_code", client_id: p.clientId, redirect_uri: p.redirectUri, code: p.code, code_verifier: p.codeVerifier }, now);
}

export async function refreshTokens(d: Discovery, fetch: Fetch, p: { clientId: string; refreshToken: string }, now: number): Promise<Tokens> {
  const t = await tokenRequest(d, fetch, { grant_type: "refresh_token", client_id: p.clientId, refresh_token: p.refreshToken }, now);
  // Issuers that do not rotate refresh tokens return none: keep using the old one.
  return t.refreshToken ? t : { ...t, refreshToken: p.refreshToken };
}

export function endSessionUrl(d: Discovery, p: { clientId: string; idToken: string | null; postLogoutRedirectUri: string }): string | null {
  if (!d.end_session_endpoint) return null;
  const url = new URL(d.end_session_endpoint);
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("post_logout_redirect_uri", p.postLogoutRedirectUri);
  if (p.idToken) url.searchParams.set("id_token_hint", p.idToken);
  return url.toString();
}
