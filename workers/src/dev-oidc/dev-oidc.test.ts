import { describe, expect, it } from "vitest";
import { call } from "../../test/helpers.ts";
import { pkceS256 } from "./tokens.ts";

const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});

describe("development OIDC issuer", () => {
  it("serves a discovery document and a JWKS", async () => {
    const disc = await call("GET", "/dev/oidc/.well-known/openid-configuration");
    expect(disc.body).toMatchObject({ issuer: "http://127.0.0.1:8787/dev/oidc", code_challenge_methods_supported: ["S256"] });
    const jwks = await call("GET", "/dev/oidc/jwks");
    const keys = jwks.body["keys"] as Record<string, unknown>[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(keys[0]).not.toHaveProperty("d");
  });

  it("runs the authorization code flow with PKCE, and the access token opens the API", async () => {
    const verifier = "v".repeat(20) + crypto.randomUUID() + crypto.randomUUID();
    const params = {
      response_type: "code",
      client_id: "speaknode-dashboard",
      redirect_uri: "http://127.0.0.1:8787/app/signin/callback",
      code_challenge: await pkceS256(verifier),
      code_challenge_method: "S256",
      scope: "openid email profile",
      state: "xyz",
      nonce: "n-1",
    };
    const page = await call("GET", `/dev/oidc/auth?${new URLSearchParams(params)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("owner@speaknode.local");
    const chosen = await call("POST", "/dev/oidc/auth", form({ ...params, dev_user: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a02" }));
    expect(chosen.status, chosen.text).toBe(302);
    const redirect = new URL(chosen.headers.get("location") ?? "");
    expect(redirect.searchParams.get("state")).toBe("xyz");
    const code = redirect.searchParams.get("code") ?? "";

    const wrongVerifier = await call("POST", "/dev/oidc/token", form({ grant_type: "authorization_code", client_id: params.client_id, code, redirect_uri: params.redirect_uri, code_verifier: "x".repeat(50) }));
    expect(wrongVerifier.status).toBe(400);
    expect(wrongVerifier.body["error"]).toBe("invalid_grant");

    const tokens = await call("POST", "/dev/oidc/token", form({ grant_type: "authorization_code", client_id: params.client_id, code, redirect_uri: params.redirect_uri, code_verifier: verifier }));
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    const me = await call("GET", "/v1/me", { token: String(tokens.body["access_token"]) });
    expect(me.body).toMatchObject({ type: "user", email: "member@speaknode.local" });

    // The refresh token renews, but is never accepted by the API itself.
    const refresh = String(tokens.body["refresh_token"]);
    expect((await call("GET", "/v1/me", { token: refresh })).status).toBe(401);
    expect((await call("GET", "/v1/me", { token: String(tokens.body["id_token"]) })).status).toBe(401);
    const renewed = await call("POST", "/dev/oidc/token", form({ grant_type: "refresh_token", client_id: params.client_id, refresh_token: refresh }));
    expect(renewed.status).toBe(200);
    expect((await call("GET", "/v1/me", { token: String(renewed.body["access_token"]) })).status).toBe(200);
  });

  it("shows an error page, never a redirect, for unknown clients, foreign redirect URIs and repeated parameters", async () => {
    const request = { response_type: "code", client_id: "speaknode-dashboard", redirect_uri: "https://evil.example/cb", code_challenge: "a".repeat(43), code_challenge_method: "S256", scope: "openid" };
    for (const query of [new URLSearchParams(request), new URLSearchParams({ ...request, client_id: "c", redirect_uri: "http://127.0.0.1:8787/app/signin/callback" }), new URLSearchParams("response_type=code")]) {
      const res = await call("GET", `/dev/oidc/auth?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    }
    const twice = await call("GET", `/dev/oidc/auth?${new URLSearchParams({ ...request, redirect_uri: "http://127.0.0.1:8787/app/signin/callback" })}&state=a&state=b`);
    expect(twice.status).toBe(400);
    expect(twice.text).toContain("state is given more than once");
  });

  it("redirects the registered client's other errors back with error, state and iss", async () => {
    const res = await call("GET", `/dev/oidc/auth?${new URLSearchParams({ response_type: "token", client_id: "speaknode-dashboard", redirect_uri: "http://127.0.0.1:8787/app/signin/callback", state: "s1" })}`);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location") ?? "");
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: "unsupported_response_type", state: "s1", iss: "http://127.0.0.1:8787/dev/oidc" });
  });

  it("ends the issuer's session on logout and returns only to registered URIs", async () => {
    const home = await call("GET", `/dev/oidc/logout?post_logout_redirect_uri=${encodeURIComponent("http://127.0.0.1:8787/app/?signed_out=1")}`);
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe("http://127.0.0.1:8787/app/?signed_out=1");
    expect(home.headers.get("set-cookie")).toMatch(/^speaknode_dev_oidc_session=;.*Max-Age=0/);
    const elsewhere = await call("GET", `/dev/oidc/logout?post_logout_redirect_uri=${encodeURIComponent("http://127.0.0.1:9999/")}`);
    expect(elsewhere.status).toBe(200);
  });

  it("grants tokens for seeded users by password, like Keycloak's direct access grants", async () => {
    const ok = await call("POST", "/dev/oidc/token", form({ grant_type: "password", client_id: "cli", username: "admin@speaknode.local", password: "speaknode" }));
    expect(ok.status).toBe(200);
    const me = await call("GET", "/v1/me", { token: String(ok.body["access_token"]) });
    expect(me.body).toMatchObject({ email: "admin@speaknode.local", isPlatformAdmin: true });
    const bad = await call("POST", "/dev/oidc/token", form({ grant_type: "password", client_id: "cli", username: "admin@speaknode.local", password: "wrong" }));
    expect(bad.status).toBe(400);
    expect(bad.body["error"]).toBe("invalid_grant");
    const unsupported = await call("POST", "/dev/oidc/token", form({ grant_type: "client_credentials", client_id: "cli" }));
    expect(unsupported.body["error"]).toBe("unsupported_grant_type");
  });
});
