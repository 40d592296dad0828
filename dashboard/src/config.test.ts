// Runtime configuration from <meta> tags, and the development defaults when they are empty.
import { describe, expect, it } from "vitest";
import { readConfig, redirectUri } from "./config.ts";

describe("readConfig", () => {
  it("defaults to the Worker's development issuer on this origin", () => {
    const config = readConfig("http://127.0.0.1:8787", () => "");
    expect(config).toEqual({ issuer: "http://127.0.0.1:8787/dev/oidc", clientId: "speaknode-dashboard", apiBase: "", origin: "http://127.0.0.1:8787", basePath: "/app/" });
    expect(redirectUri(config)).toBe("http://127.0.0.1:8787/app/signin/callback");
  });

  it("takes the issuer, client id and API base from the templated tags", () => {
    const meta: Record<string, string> = {
      "speaknode-oidc-issuer": "https://sso.example/realms/speaknode/",
      "speaknode-oidc-client-id": "dashboard",
      "speaknode-api-base": "https://api.example/",
    };
    const config = readConfig("https://app.example", (n) => meta[n] ?? null);
    expect(config.issuer).toBe("https://sso.example/realms/speaknode");
    expect(config.clientId).toBe("dashboard");
    expect(config.apiBase).toBe("https://api.example");
  });
});
