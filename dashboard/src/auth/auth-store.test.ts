// The sign-in flow against a fake issuer: redirect with PKCE and a nonce, callback checks (state,
// iss, the ID token's nonce/aud/iss/exp), token storage, refresh before expiry (single flight,
// rotation), refresh failure and sign-out.
import { describe, expect, it } from "vitest";
import { memoryStorage, testConfig } from "../test-support.ts";
import { createAuthStore, refreshLeadMs, safeReturnTo } from "./auth-store.ts";
import { fakeIssuer, type FakeIssuerOptions } from "./fake-issuer.ts";
import { decodeIdToken } from "./oidc.ts";

function setup(opts: FakeIssuerOptions = {}) {
  const issuer = fakeIssuer(opts);
  const storage = memoryStorage();
  const redirects: string[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const auth = createAuthStore({
    config: testConfig,
    fetch: issuer.fetch,
    storage,
    redirect: (url) => void redirects.push(url),
    now: opts.now ?? (() => 1_000_000),
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return () => {};
    },
  });
  /** Runs signIn and the issuer's side of it, returning the callback query the issuer would send. */
  async function signInFlow(returnTo: string): Promise<string> {
    await auth.signIn(returnTo);
    const url = redirects.at(-1) ?? "";
    issuer.authorize(url);
    return `?code=the-code&state=${new URL(url).searchParams.get("state")}&iss=${encodeURIComponent(testConfig.issuer)}`;
  }
  return { issuer, storage, redirects, timers, auth, signInFlow };
}

describe("auth store", () => {
  it("redirects to the issuer with a PKCE S256 authorization request", async () => {
    const { auth, redirects } = setup();
    await auth.signIn("/app/spaces/spc_1/members");
    const url = new URL(redirects[0] ?? "");
    expect(`${url.origin}${url.pathname}`).toBe(`${testConfig.issuer}/auth`);
    const q = url.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe("speaknode-dashboard");
    expect(q.get("redirect_uri")).toBe("http://127.0.0.1:8787/app/signin/callback");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("scope")).toContain("openid");
    expect(q.get("state")).toBeTruthy();
    expect(q.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("nonce")).not.toBe(q.get("state"));
  });

  it("exchanges the code on callback, stores the tokens and returns to the saved path", async () => {
    const { auth, storage, signInFlow, issuer, timers } = setup();
    const query = await signInFlow("/app/invitations/accept?token=abc");
    expect(await auth.completeSignIn(query)).toBe("/app/invitations/accept?token=abc");
    expect(auth.signedIn.value).toBe(true);
    expect(await auth.accessToken()).toBe("access-1");
    expect(JSON.parse(storage.getItem("speaknode.tokens") ?? "{}")).toMatchObject({ accessToken: "access-1", refreshToken: "refresh-1" });
    expect(decodeIdToken(auth.tokens.value?.idToken ?? "").sub).toBe("user-1");
    expect(storage.getItem("speaknode.pending-signin")).toBeNull();
    const tokenCall = issuer.fetch.requests.find((r) => r.url.endsWith("/token"));
    expect(new URLSearchParams(tokenCall?.body ?? "").get("redirect_uri")).toBe("http://127.0.0.1:8787/app/signin/callback");
    // The refresh is scheduled a minute before expiry.
    expect(timers.at(-1)?.ms).toBe(3600_000 - refreshLeadMs);
  });

  it("refuses a callback whose state does not match, and one from another issuer", async () => {
    const a = setup();
    await a.signInFlow("/app/");
    await expect(a.auth.completeSignIn("?code=the-code&state=forged")).rejects.toThrow(/does not match/);
    const b = setup();
    const query = await b.signInFlow("/app/");
    await expect(b.auth.completeSignIn(query.replace(/iss=[^&]+/, "iss=https%3A%2F%2Fevil.example"))).rejects.toThrow(/another issuer/);
    expect(b.auth.signedIn.value).toBe(false);
    // The pending sign-in is single-use: replaying the good query fails too.
    await expect(b.auth.completeSignIn(query)).rejects.toThrow(/does not match/);
  });

  it("refuses an ID token without this sign-in's nonce, or for another client, issuer or time", async () => {
    const forgeries: [string, FakeIssuerOptions["idClaims"], RegExp][] = [
      ["another nonce", (c) => ({ ...c, nonce: "replayed-nonce" }), /nonce/],
      ["no nonce", ({ nonce: _, ...c }) => c, /nonce/],
      ["another audience", (c) => ({ ...c, aud: "someone-else", azp: "someone-else" }), /another client/],
      ["another issuer", (c) => ({ ...c, iss: "https://evil.example" }), /another issuer/],
      ["an expired token", (c) => ({ ...c, exp: 1_000 - 3600, iat: 1_000 - 7200 }), /expired/],
    ];
    for (const [what, idClaims, message] of forgeries) {
      const { auth, signInFlow } = setup({ idClaims });
      await expect(auth.completeSignIn(await signInFlow("/app/")), what).rejects.toThrow(message);
      expect(auth.signedIn.value, what).toBe(false);
    }
  });

  it("reports the issuer's error on the callback", async () => {
    const { auth } = setup();
    await expect(auth.completeSignIn("?error=access_denied&error_description=nope")).rejects.toThrow("sign-in failed: nope");
  });

  it("refreshes a token about to expire once for concurrent callers", async () => {
    let now = 1_000_000;
    const { auth, signInFlow, issuer } = setup({ now: () => now });
    await auth.completeSignIn(await signInFlow("/app/"));
    now += 3600_000 - refreshLeadMs / 4; // within the last quarter-minute
    const [a, b] = await Promise.all([auth.accessToken(), auth.accessToken()]);
    expect(a).toBe("access-2");
    expect(b).toBe("access-2");
    const grants = issuer.fetch.requests.filter((r) => r.url.endsWith("/token")).map((r) => new URLSearchParams(r.body ?? "").get("grant_type"));
    expect(grants).toEqual(["authorization_code", "refresh_token"]);
    // The rotated refresh token replaces the old one.
    expect(auth.tokens.value?.refreshToken).toBe("refresh-2");
  });

  it("signs out when a refreshed ID token names another user", async () => {
    let now = 1_000_000;
    const { auth, signInFlow } = setup({ now: () => now, idClaims: (c, grant) => (grant === "refresh_token" ? { ...c, sub: "user-2" } : c) });
    await auth.completeSignIn(await signInFlow("/app/"));
    now += 3600_000 - refreshLeadMs / 4;
    expect(await auth.refresh()).toBeNull();
    expect(auth.signedIn.value).toBe(false);
  });

  it("signs out when the refresh token is refused", async () => {
    let now = 1_000_000;
    const { auth, signInFlow } = setup({ now: () => now, failRefresh: true });
    await auth.completeSignIn(await signInFlow("/app/"));
    now += 3600_000 + 1;
    expect(await auth.accessToken()).toBeNull();
    expect(auth.signedIn.value).toBe(false);
  });

  it("restores tokens from storage, and signs out through the end-session endpoint", async () => {
    const first = setup();
    await first.auth.completeSignIn(await first.signInFlow("/app/"));
    const second = createAuthStore({ config: testConfig, fetch: first.issuer.fetch, storage: first.storage, redirect: (u) => void first.redirects.push(u), now: () => 1_000_000, setTimer: () => () => {} });
    expect(second.signedIn.value).toBe(true);
    await second.signOut();
    expect(second.signedIn.value).toBe(false);
    expect(second.leaving.value).toBe(true);
    const out = new URL(first.redirects.at(-1) ?? "");
    expect(out.pathname).toBe("/dev/oidc/logout");
    expect(out.searchParams.get("post_logout_redirect_uri")).toBe("http://127.0.0.1:8787/app/?signed_out=1");
    expect(decodeIdToken(out.searchParams.get("id_token_hint") ?? "").sub).toBe("user-1");
  });

  it("only returns to paths inside the app", () => {
    expect(safeReturnTo("/app/spaces/x/agents?q=1", "/app/")).toBe("/app/spaces/x/agents?q=1");
    expect(safeReturnTo("https://evil.example/app/", "/app/")).toBe("/app/");
    expect(safeReturnTo("//evil.example/app/", "/app/")).toBe("/app/");
    expect(safeReturnTo("/v1/spaces", "/app/")).toBe("/app/");
    expect(safeReturnTo(null, "/app/")).toBe("/app/");
  });
});
