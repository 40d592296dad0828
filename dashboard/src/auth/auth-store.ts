// The signed-in state: tokens in a signal mirrored to sessionStorage (gone with the tab, never in
// localStorage where every tab and extension-injected script of the origin could keep them), the
// sign-in redirect with PKCE, the callback's code exchange, refresh before expiry and sign-out.
// Everything the browser provides is injected, so tests drive it in Node.
import { computed, signal } from "@preact/signals";
import type { DashboardConfig } from "../config.ts";
import { redirectUri } from "../config.ts";
import { authorizeUrl, discover, endSessionUrl, exchangeCode, OidcError, refreshTokens, type Discovery, type Fetch, type Tokens } from "./oidc.ts";
import { challengeS256, createVerifier, randomString } from "./pkce.ts";

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface AuthDeps {
  config: DashboardConfig;
  fetch: Fetch;
  storage: KeyValueStorage;
  /** Leaves the app (full-page navigation to the issuer). */
  redirect: (url: string) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

const tokensKey = "speaknode.tokens";
/** The query the issuer's sign-out returns to: the shell then offers to sign in rather than redirecting. */
export const signedOutParam = "signed_out=1";
const pendingKey = "speaknode.pending-signin";
/** Refresh this long before the access token expires, so requests never race its expiry. */
export const refreshLeadMs = 60_000;

interface PendingSignIn {
  state: string;
  verifier: string;
  /** Sent with the authorization request; the ID token must carry it back (replay protection). */
  nonce: string;
  returnTo: string;
}

function readJson<T>(storage: KeyValueStorage, key: string, valid: (v: unknown) => v is T): T | null {
  try {
    const raw = storage.getItem(key);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    return valid(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isTokens = (v: unknown): v is Tokens => isRecord(v) && typeof v["accessToken"] === "string" && typeof v["expiresAt"] === "number";
const isPending = (v: unknown): v is PendingSignIn =>
  isRecord(v) && typeof v["state"] === "string" && typeof v["verifier"] === "string" && typeof v["nonce"] === "string" && typeof v["returnTo"] === "string";

/** Only paths inside the app may be returned to, so a crafted link cannot bounce users elsewhere. */
export function safeReturnTo(path: string | null | undefined, basePath: string): string {
  if (!path || !path.startsWith(basePath) || path.startsWith("//") || path.includes("\\")) return basePath;
  return path;
}

export function createAuthStore(deps: AuthDeps) {
  const now = deps.now ?? Date.now;
  const setTimer =
    deps.setTimer ??
    ((fn: () => void, ms: number) => {
      const id = setTimeout(fn, ms);
      return () => clearTimeout(id);
    });
  const { config, storage } = deps;
  const tokens = signal<Tokens | null>(readJson(storage, tokensKey, isTokens));
  const signedIn = computed(() => tokens.value !== null);
  /** Set while leaving for the issuer's sign-out, so the shell does not start a new sign-in meanwhile. */
  const leaving = signal(false);
  let discovery: Promise<Discovery> | null = null;
  let refreshing: Promise<Tokens | null> | null = null;
  let cancelTimer: (() => void) | null = null;

  const getDiscovery = () => {
    discovery ??= discover(config.issuer, deps.fetch).catch((err: unknown) => {
      discovery = null; // let the next attempt try again
      throw err;
    });
    return discovery;
  };

  function setTokens(next: Tokens | null): void {
    tokens.value = next;
    if (next) storage.setItem(tokensKey, JSON.stringify(next));
    else storage.removeItem(tokensKey);
    schedule();
  }

  function schedule(): void {
    cancelTimer?.();
    cancelTimer = null;
    const t = tokens.value;
    if (!t?.refreshToken) return;
    const wait = Math.max(0, t.expiresAt - refreshLeadMs - now());
    cancelTimer = setTimer(() => void refresh(), wait);
  }

  /** One refresh at a time: concurrent callers share it. Null (and signed out) when it fails. */
  function refresh(): Promise<Tokens | null> {
    refreshing ??= (async () => {
      const current = tokens.value;
      if (!current?.refreshToken) return null;
      try {
        const next = await refreshTokens(await getDiscovery(), deps.fetch, { clientId: config.clientId, refreshToken: current.refreshToken, idToken: current.idToken }, now());
        setTokens(next);
        return next;
      } catch (err) {
        if (err instanceof OidcError) setTokens(null); // refresh token expired or revoked: sign in again
        return null;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /** A usable access token, refreshed first when it is about to expire; null when signed out. */
  async function accessToken(): Promise<string | null> {
    const t = tokens.value;
    if (!t) return null;
    if (t.expiresAt - now() > refreshLeadMs / 2) return t.accessToken;
    const next = await refresh();
    if (next) return next.accessToken;
    return t.expiresAt > now() ? t.accessToken : null;
  }

  /** Leaves for the issuer's sign-in page; `returnTo` (an app path) is restored after the callback. */
  async function signIn(returnTo: string): Promise<void> {
    const d = await getDiscovery();
    const verifier = createVerifier();
    const pending: PendingSignIn = { state: randomString(), verifier, nonce: randomString(), returnTo: safeReturnTo(returnTo, config.basePath) };
    storage.setItem(pendingKey, JSON.stringify(pending));
    deps.redirect(
      authorizeUrl(d, { clientId: config.clientId, redirectUri: redirectUri(config), codeChallenge: await challengeS256(verifier), state: pending.state, nonce: pending.nonce }),
    );
  }

  /** Handles /signin/callback's query: checks state, exchanges the code, returns where to go. */
  async function completeSignIn(search: string): Promise<string> {
    const q = new URLSearchParams(search);
    const pending = readJson(storage, pendingKey, isPending);
    storage.removeItem(pendingKey); // single use, whatever happens next
    const error = q.get("error");
    if (error) throw new OidcError(`sign-in failed: ${q.get("error_description") ?? error}`);
    const code = q.get("code");
    if (!code) throw new OidcError("the sign-in response has no code");
    if (!pending || q.get("state") !== pending.state) throw new OidcError("the sign-in response does not match a sign-in started here; sign in again");
    // RFC 9207: when the issuer names itself, it must be ours (mix-up attacks).
    const iss = q.get("iss");
    if (iss !== null && iss.replace(/\/+$/, "") !== config.issuer) throw new OidcError("the sign-in response comes from another issuer");
    const next = await exchangeCode(await getDiscovery(), deps.fetch, { clientId: config.clientId, redirectUri: redirectUri(config), code, codeVerifier: pending.verifier, nonce: pending.nonce }, now());
    setTokens(next);
    return pending.returnTo;
  }

  async function signOut(): Promise<void> {
    const idToken = tokens.value?.idToken ?? null;
    leaving.value = true;
    setTokens(null);
    const d = await getDiscovery().catch(() => null);
    const url = d && endSessionUrl(d, { clientId: config.clientId, idToken, postLogoutRedirectUri: `${config.origin}${config.basePath}?${signedOutParam}` });
    deps.redirect(url ?? `${config.origin}${config.basePath}?${signedOutParam}`);
  }

  /** Drops the tokens without leaving (the API refused them). */
  function forget(): void {
    setTokens(null);
  }

  schedule();
  return { tokens, signedIn, leaving, accessToken, refresh, signIn, completeSignIn, signOut, forget, dispose: () => cancelTimer?.() };
}

export type AuthStore = ReturnType<typeof createAuthStore>;
