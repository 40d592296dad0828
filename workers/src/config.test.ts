import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "./config.ts";

const valid = {
  DATABASE_URL: "postgres://u@db.example.com/app",
  OIDC_ISSUER: "https://sso.example.com/realms/speaknode",
  SECRETS_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
  RUNTIME_TOKEN_SECRET: "r".repeat(32),
};

describe("Worker configuration", () => {
  it("applies defaults for a minimal production configuration", () => {
    const config = readConfig({ ...valid });
    expect(config).toMatchObject({
      dbLocalProxy: undefined,
      oidc: { issuer: valid.OIDC_ISSUER, audience: "speaknode", authorizedParties: [], adminRole: "platform-admin", clockToleranceS: 30 },
      devTools: { enabled: false },
      email: { provider: "outbox" },
      invitationTtlHours: 168,
    });
  });

  it("reads the clients whose tokens may act on the API (Keycloak's azp) as a comma-separated list", () => {
    expect(readConfig({ ...valid, OIDC_AUTHORIZED_PARTIES: " speaknode-dashboard, ci-scripts ,," }).oidc.authorizedParties).toEqual(["speaknode-dashboard", "ci-scripts"]);
  });

  it("names every invalid setting", () => {
    expect(() => readConfig({ OIDC_ISSUER: "not a url", DB_LOCAL_PROXY: "10.0.0.5:5432" })).toThrow(/DATABASE_URL.*OIDC_ISSUER|OIDC_ISSUER.*DATABASE_URL/s);
    expect(() => readConfig({ ...valid, DB_LOCAL_PROXY: "10.0.0.5:5432" })).toThrow(ConfigError);
  });

  it("refuses dev tools without a valid private key, or with an issuer that is not this Worker's", () => {
    expect(() => readConfig({ ...valid, DEV_TOOLS_ENABLED: "true" })).toThrow(/DEV_OIDC_PRIVATE_JWK/);
    expect(() => readConfig({ ...valid, DEV_TOOLS_ENABLED: "true", DEV_OIDC_PRIVATE_JWK: '{"kty":"RSA"' })).toThrow(/private JWK/);
    expect(() => readConfig({ ...valid, DEV_TOOLS_ENABLED: "true", DEV_OIDC_PRIVATE_JWK: '{"kty":"RSA","d":"x"}' })).toThrow(/\/dev\/oidc/);
  });

  it("refuses a secrets key that is not 32 bytes of base64", () => {
    expect(() => readConfig({ ...valid, SECRETS_KEY: "short" })).toThrow(/SECRETS_KEY/);
  });

  it("needs the LiveKit settings when the media driver is livekit", () => {
    expect(() => readConfig({ ...valid, MEDIA_DRIVER: "livekit" })).toThrow(/LIVEKIT_URL/);
    expect(() => readConfig({ ...valid, MEDIA_DRIVER: "livekit", LIVEKIT_URL: "https://x.example", LIVEKIT_API_KEY: "k", LIVEKIT_API_SECRET: "s" })).toThrow(/LIVEKIT_URL/);
    const config = readConfig({ ...valid, MEDIA_DRIVER: "livekit", LIVEKIT_URL: "wss://lk.example", LIVEKIT_API_KEY: "APIkey", LIVEKIT_API_SECRET: "secret" });
    expect(config.runtime.livekit).toEqual({ url: "wss://lk.example", apiKey: "APIkey", apiSecret: "secret", agentName: "speaknode-agent", emptyTimeoutS: 300 });
    expect(readConfig({ ...valid }).runtime.livekit).toBeUndefined();
  });

  it("needs an API key when email goes through Resend", () => {
    expect(() => readConfig({ ...valid, EMAIL_PROVIDER: "resend" })).toThrow(/RESEND_API_KEY/);
    expect(readConfig({ ...valid, EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_1" }).email).toMatchObject({ provider: "resend", apiKey: "re_1" });
  });

  it("gives the dashboard the Worker's issuer by default and checks its own settings", () => {
    expect(readConfig({ ...valid }).dashboard).toEqual({ oidcIssuer: valid.OIDC_ISSUER, oidcClientId: "speaknode-dashboard", apiBase: "" });
    const blank = { DASHBOARD_OIDC_ISSUER: "", DASHBOARD_OIDC_CLIENT_ID: " ", DASHBOARD_API_BASE: "" };
    expect(readConfig({ ...valid, ...blank }).dashboard).toEqual({ oidcIssuer: valid.OIDC_ISSUER, oidcClientId: "speaknode-dashboard", apiBase: "" });
    const own = { DASHBOARD_OIDC_ISSUER: "https://id.example.com/realms/web/", DASHBOARD_OIDC_CLIENT_ID: "web", DASHBOARD_API_BASE: "https://api.example.com/" };
    expect(readConfig({ ...valid, ...own }).dashboard).toEqual({ oidcIssuer: "https://id.example.com/realms/web", oidcClientId: "web", apiBase: "https://api.example.com" });
    expect(() => readConfig({ ...valid, DASHBOARD_API_BASE: "javascript:alert(1)" })).toThrow(/DASHBOARD_API_BASE/);
    expect(() => readConfig({ ...valid, DASHBOARD_OIDC_ISSUER: "not a url" })).toThrow(/DASHBOARD_OIDC_ISSUER/);
  });

  it("finds the voice runtime's HTTP server next to its media endpoint unless told otherwise", () => {
    expect(readConfig({ ...valid }).runtime.httpUrl).toBe("http://127.0.0.1:8790");
    expect(readConfig({ ...valid, RUNTIME_MEDIA_URL: "wss://voice.example.com:8443/v1/media" }).runtime.httpUrl).toBe("https://voice.example.com:8443");
    expect(readConfig({ ...valid, RUNTIME_HTTP_URL: "http://runtime.internal:9000/" }).runtime.httpUrl).toBe("http://runtime.internal:9000");
    expect(() => readConfig({ ...valid, RUNTIME_HTTP_URL: "ws://runtime.internal" })).toThrow(/RUNTIME_HTTP_URL/);
  });
});
