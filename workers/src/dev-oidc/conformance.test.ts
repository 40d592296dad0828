// The development issuer as a standard relying party sees it: openid-client v6 (the maintained
// certified client library) runs discovery, the authorization code flow with PKCE and nonce,
// refresh, UserInfo, prompt=none and max_age against the Worker's own fetch handler. A small
// "browser" plays the user: it follows the authorization URL, keeps the issuer's session cookie
// and picks a seeded user on the sign-in page.
import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import * as client from "openid-client";
import { devIdentities } from "@speaknode/db";
import { call, testEnv } from "../../test/helpers.ts";
import { loadDevSigningKey } from "./keys.ts";
import { issueSession } from "./tokens.ts";

const issuerUrl = new URL(testEnv.OIDC_ISSUER);
const clientId = "speaknode-dashboard";
const redirectUri = "http://127.0.0.1:8787/app/signin/callback";
const owner = devIdentities.find((u) => u.email === "owner@speaknode.local") ?? devIdentities[0]!;

const worker = () => (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default;
const appFetch: client.CustomFetch = (url, options) =>
  worker().fetch(new Request(url, { method: options.method, headers: options.headers, body: (options.body ?? null) as BodyInit | null, redirect: "manual" }));

async function discover(): Promise<client.Configuration> {
  return client.discovery(issuerUrl, clientId, undefined, client.None(), { execute: [client.allowInsecureRequests], [client.customFetch]: appFetch });
}

/** A user agent with a cookie jar for the issuer, returning where the issuer sends it back. */
function browser() {
  let cookie = "";
  const remember = (res: Response) => {
    const set = res.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0] ?? "";
  };
  const request = async (url: string, init: RequestInit = {}) => {
    const res = await worker().fetch(new Request(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } }));
    remember(res);
    return res;
  };
  return {
    setCookie: (value: string) => void (cookie = value),
    /** Opens the authorization URL: the redirect back (a URL), or the sign-in page. */
    async open(url: URL): Promise<{ redirect: URL } | { page: string; status: number }> {
      const res = await request(url.toString());
      const location = res.headers.get("location");
      return location ? { redirect: new URL(location) } : { page: await res.text(), status: res.status };
    },
    /** Submits the sign-in page's form with the given button. */
    async submit(page: string, button: Record<string, string>): Promise<URL> {
      const fields = [...page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [m[1] ?? "", unescape(m[2] ?? "")]);
      const res = await request(`${issuerUrl}/auth`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams([...fields, ...Object.entries(button)]).toString() });
      expect(res.status, await res.clone().text()).toBe(302);
      return new URL(res.headers.get("location") ?? "");
    },
  };
}
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

async function authorization(config: client.Configuration, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier: verifier, expectedState: client.randomState(), expectedNonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email profile offline_access",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    ...extra,
  });
  return { url, checks };
}

/** Signs `owner` in through the page; the callback URL and the checks to redeem it with. */
async function signIn(config: client.Configuration, agent = browser(), extra: Record<string, string> = {}) {
  const { url, checks } = await authorization(config, extra);
  const opened = await agent.open(url);
  if (!("page" in opened)) throw new Error(`expected the sign-in page, got a redirect to ${opened.redirect}`);
  return { callback: await agent.submit(opened.page, { dev_user: owner.sub }), checks, agent };
}

const oauthErrorOf = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error & { error?: string; status?: number; cause?: unknown };
};

describe("the development issuer, as openid-client sees it", () => {
  it("is discovered with PKCE S256, RFC 9207 iss responses and public clients", async () => {
    const meta = (await discover()).serverMetadata();
    expect(meta).toMatchObject({
      issuer: issuerUrl.href,
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: ["none"],
      request_uri_parameter_supported: false,
    });
  });

  it("runs the code flow with PKCE and nonce: the ID token names the nonce and auth_time, and the access token opens the API", async () => {
    const config = await discover();
    const { callback, checks } = await signIn(config);
    const tokens = await client.authorizationCodeGrant(config, callback, { ...checks, idTokenExpected: true });
    const claims = tokens.claims();
    expect(claims).toMatchObject({ sub: owner.sub, aud: clientId, nonce: checks.expectedNonce, email: owner.email });
    expect(Math.abs((claims?.auth_time ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    expect((await call("GET", "/v1/me", { token: tokens.access_token })).body).toMatchObject({ email: owner.email });
    // A client expecting another nonce refuses the same kind of response.
    const second = await signIn(config);
    const mismatch = await oauthErrorOf(client.authorizationCodeGrant(config, second.callback, { ...second.checks, expectedNonce: "another-nonce" }));
    expect(mismatch.cause).toMatchObject({ code: "OAUTH_JWT_CLAIM_COMPARISON_FAILED", cause: { claim: "nonce", expected: "another-nonce" } });
  });

  it("refuses a code redeemed twice with invalid_grant and revokes what the first redemption issued", async () => {
    const config = await discover();
    const { callback, checks } = await signIn(config);
    const first = await client.authorizationCodeGrant(config, callback, checks);
    const replay = await oauthErrorOf(client.authorizationCodeGrant(config, callback, checks));
    expect(replay).toBeInstanceOf(client.ResponseBodyError);
    expect(replay).toMatchObject({ error: "invalid_grant", status: 400 });
    expect(await oauthErrorOf(client.refreshTokenGrant(config, first.refresh_token ?? ""))).toMatchObject({ error: "invalid_grant" });
    const userinfo = await oauthErrorOf(client.fetchUserInfo(config, first.access_token, owner.sub));
    expect(userinfo).toBeInstanceOf(client.WWWAuthenticateChallengeError);
  });

  it("rotates refresh tokens: the old one is refused afterwards, and its reuse revokes the grant", async () => {
    const config = await discover();
    const { callback, checks } = await signIn(config);
    const first = await client.authorizationCodeGrant(config, callback, checks);
    const renewed = await client.refreshTokenGrant(config, first.refresh_token ?? "");
    expect(renewed.refresh_token).toBeTruthy();
    expect(renewed.refresh_token).not.toBe(first.refresh_token);
    // The refreshed ID token keeps the original sign-in's time and carries no nonce (OIDC Core §12.2).
    expect(renewed.claims()).toMatchObject({ sub: owner.sub, auth_time: first.claims()?.auth_time });
    expect(renewed.claims()?.nonce).toBeUndefined();
    expect(await oauthErrorOf(client.refreshTokenGrant(config, first.refresh_token ?? ""))).toMatchObject({ error: "invalid_grant", status: 400 });
    expect(await oauthErrorOf(client.refreshTokenGrant(config, renewed.refresh_token ?? ""))).toMatchObject({ error: "invalid_grant" });
  });

  it("answers UserInfo by GET and POST, and refuses bad tokens with WWW-Authenticate: Bearer error=invalid_token", async () => {
    const config = await discover();
    const { callback, checks } = await signIn(config);
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    expect(await client.fetchUserInfo(config, tokens.access_token, owner.sub)).toMatchObject({ sub: owner.sub, email: owner.email, name: owner.name });
    const userinfoUrl = new URL(config.serverMetadata().userinfo_endpoint ?? "");
    const posted = await client.fetchProtectedResource(config, tokens.access_token, userinfoUrl, "POST");
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ sub: owner.sub });
    const inBody = await appFetch(userinfoUrl.href, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ access_token: tokens.access_token }).toString(), redirect: "manual" } as never);
    expect(inBody.status).toBe(200);

    const refused = await oauthErrorOf(client.fetchUserInfo(config, "not-a-token", client.skipSubjectCheck));
    expect(refused).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    expect((refused.cause as client.WWWAuthenticateChallenge[])[0]).toMatchObject({ scheme: "bearer", parameters: { error: "invalid_token" } });
    const anonymous = await appFetch(userinfoUrl.href, { method: "GET", headers: {}, redirect: "manual" } as never);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
  });

  it("answers prompt=none from the issuer's session, and with login_required without one", async () => {
    const config = await discover();
    const fresh = browser();
    const none = await authorization(config, { prompt: "none" });
    const opened = await fresh.open(none.url);
    if (!("redirect" in opened)) throw new Error("prompt=none showed a page");
    expect(opened.redirect.searchParams.get("state")).toBe(none.checks.expectedState);
    expect(await oauthErrorOf(client.authorizationCodeGrant(config, opened.redirect, none.checks))).toMatchObject({ error: "login_required" });

    const { agent } = await signIn(config, fresh);
    const silent = await authorization(config, { prompt: "none" });
    const back = await agent.open(silent.url);
    if (!("redirect" in back)) throw new Error("prompt=none showed a page despite the session");
    expect((await client.authorizationCodeGrant(config, back.redirect, silent.checks)).claims()?.sub).toBe(owner.sub);
  });

  it("honours max_age against the session's auth_time: older sign-ins must sign in again", async () => {
    const config = await discover();
    const key = await loadDevSigningKey(testEnv.DEV_OIDC_PRIVATE_JWK);
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const agent = browser();
    agent.setCookie(`speaknode_dev_oidc_session=${await issueSession({ issuer: issuerUrl.href, audience: "speaknode", clientId: "", key }, { sub: owner.sub, auth_time: tenMinutesAgo })}`);

    const recentOnly = await authorization(config, { prompt: "none", max_age: "60" });
    const refused = await agent.open(recentOnly.url);
    expect("redirect" in refused && refused.redirect.searchParams.get("error")).toBe("login_required");

    const lenient = await authorization(config, { prompt: "none", max_age: "3600" });
    const allowed = await agent.open(lenient.url);
    if (!("redirect" in allowed)) throw new Error("expected a redirect");
    const tokens = await client.authorizationCodeGrant(config, allowed.redirect, { ...lenient.checks, maxAge: 3600 });
    expect(tokens.claims()?.auth_time).toBe(tenMinutesAgo);

    // Without prompt=none the page asks again, and the new sign-in satisfies max_age.
    const { callback, checks } = await signIn(config, agent, { max_age: "60" });
    const again = await client.authorizationCodeGrant(config, callback, { ...checks, maxAge: 60 });
    expect(again.claims()?.auth_time).toBeGreaterThan(tenMinutesAgo);
  });

  it("shows unknown clients and unregistered redirect URIs an error page, and redirects other errors with state", async () => {
    const config = await discover();
    const agent = browser();
    const { url } = await authorization(config);
    const foreignClient = new URL(url);
    foreignClient.searchParams.set("client_id", "someone-else");
    const badRedirect = new URL(url);
    badRedirect.searchParams.set("redirect_uri", "http://127.0.0.1:9999/callback");
    for (const target of [foreignClient, badRedirect]) {
      const res = await agent.open(target);
      expect("page" in res && res.status).toBe(400);
    }

    const noPkce = new URL(url);
    noPkce.searchParams.delete("code_challenge");
    const state = url.searchParams.get("state");
    const back = await agent.open(noPkce);
    if (!("redirect" in back)) throw new Error("expected a redirect");
    expect(Object.fromEntries(back.redirect.searchParams)).toMatchObject({ error: "invalid_request", state, iss: issuerUrl.href });

    const opened = await agent.open(url);
    if (!("page" in opened)) throw new Error("expected the sign-in page");
    const cancelled = await agent.submit(opened.page, { cancel: "1" });
    expect(cancelled.searchParams.get("error")).toBe("access_denied");
    expect(cancelled.searchParams.get("state")).toBe(state);
  });

  it("answers token errors as RFC 6749 §5.2 JSON, never cached", async () => {
    const config = await discover();
    const unsupported = await oauthErrorOf(client.genericGrantRequest(config, "urn:example:unknown", {}));
    expect(unsupported).toMatchObject({ error: "unsupported_grant_type", status: 400 });
    const res = await appFetch(`${issuerUrl}/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=authorization_code&client_id=nobody&code=x", redirect: "manual" } as never);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: "invalid_client", error_description: "unknown client_id" });
  });
});
