// Runs against the real build in build/public (`npm test` builds it first; wrangler.toml's [assets]).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.ts";
import { call, expectProblem, testEnv } from "../../test/helpers.ts";
import { cacheControl, escapeAttribute } from "./widget-assets.ts";

const metaContent = (html: string, name: string) => html.match(new RegExp(`<meta name="${name}" content="([^"]*)"`))?.[1];

describe("the widget's files", () => {
  it("serves the loader as JavaScript to any origin, cached for five minutes", async () => {
    const res = await call("GET", "/speaknode-widget-loader.js", { headers: { origin: "https://shop.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^(application|text)\/javascript/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.text.length).toBeGreaterThan(100);
    expect(res.text).toContain("speacknode-agent");
  });

  it("serves the lazily loaded widget and LiveKit bundles with CORS", async () => {
    for (const file of ["/speaknode-widget.js", "/speaknode-livekit.js"]) {
      const res = await call("GET", file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type"), file).toMatch(/javascript/);
      expect(res.headers.get("access-control-allow-origin"), file).toBe("*");
      expect(res.text.length, file).toBeGreaterThan(100);
    }
  });

  it("answers a revalidation with 304 and the same headers", async () => {
    const first = await call("GET", "/speaknode-widget-loader.js");
    const tag = first.headers.get("etag");
    expect(tag).toBeTruthy();
    const again = await call("GET", "/speaknode-widget-loader.js", { headers: { "if-none-match": tag ?? "" } });
    expect(again.status).toBe(304);
    expect(again.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers a missing file with the API's 404 problem and leaves the API's own routes alone", async () => {
    expectProblem(await call("GET", "/speaknode-nothing.js"), 404, "not_found");
    expectProblem(await call("GET", "/no/such/route"), 404, "not_found");
    expect((await call("GET", "/openapi.json")).status).toBe(200);
    expect((await call("GET", "/healthz")).status).toBe(200);
  });

  it("caches content-hashed chunks for a year and fixed names briefly", () => {
    expect(cacheControl("/speaknode-widget-loader.js")).toBe("public, max-age=300");
    expect(cacheControl("/speaknode-widget.js")).toBe("public, max-age=300");
    expect(cacheControl("/speaknode-livekit.js")).toBe("public, max-age=300");
    expect(cacheControl("/chunk-3F9A1C2B.js")).toBe("public, max-age=31536000, immutable");
    expect(cacheControl("/speaknode-widget.5e8d0a13.js")).toBe("public, max-age=31536000, immutable");
    // Vite's hashes are base64url: "-" and "_" included, digits not guaranteed.
    expect(cacheControl("/app/assets/index-Dn3SdT-D.js")).toBe("public, max-age=31536000, immutable");
    expect(cacheControl("/app/assets/ToolsPage-BxttBcJe.js")).toBe("public, max-age=31536000, immutable");
  });
});

describe("the dashboard", () => {
  it("answers every route under /app/ with its index.html, never cached, and its hashed files for long", async () => {
    for (const path of ["/app", "/app/", "/app/spaces/spc_00000000000000000000000001/agents", "/app/signin/callback"]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(res.headers.get("cache-control"), path).toBe("no-cache");
      expect(res.text, path).toContain('<div id="app"');
    }
    const index = await call("GET", "/app/");
    const script = index.text.match(/src="(\/app\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeTruthy();
    const js = await call("GET", script ?? "");
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expectProblem(await call("GET", "/app/assets/missing-00000000.js"), 404, "not_found");
  });

  it("takes the invitation email's link to the dashboard's accept page, token and all", async () => {
    const res = await call("GET", "/invitations/accept?token=inv_abc.def");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app/invitations/accept?token=inv_abc.def");
  });
});

describe("the dashboard's configuration", () => {
  it("fills the <meta> tags with the Worker's issuer, the default client id and this origin's API", async () => {
    const res = await call("GET", "/app/spaces/spc_00000000000000000000000001/settings");
    expect(metaContent(res.text, "speaknode-oidc-issuer")).toBe(testEnv.OIDC_ISSUER);
    expect(metaContent(res.text, "speaknode-oidc-client-id")).toBe("speaknode-dashboard");
    expect(metaContent(res.text, "speaknode-api-base")).toBe("");
    expect(res.headers.get("etag")).toBeNull();
  });

  it("writes the DASHBOARD_* settings escaped, so no value can leave its attribute", async () => {
    const settings = {
      DASHBOARD_OIDC_ISSUER: 'https://sso.example/realms/a?x=1&y="><script>alert(1)</script>/',
      DASHBOARD_OIDC_CLIENT_ID: `dash"board' <&amp;>`,
      DASHBOARD_API_BASE: "https://api.example/",
    };
    const res = await createApp().request("/app/admin/catalog", {}, { ...env, ...settings });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(html).not.toContain("<script>alert");
    expect(metaContent(html, "speaknode-oidc-issuer")).toBe(escapeAttribute(settings.DASHBOARD_OIDC_ISSUER.slice(0, -1)));
    expect(metaContent(html, "speaknode-oidc-client-id")).toBe("dash&#34;board&#39; &#60;&#38;amp;&#62;");
    expect(metaContent(html, "speaknode-api-base")).toBe("https://api.example");
    // Everything else in the page is the build's, byte for byte.
    const built = await call("GET", "/app/");
    const strip = (text: string) => text.replace(/<meta name="speaknode-[a-z-]+" content="[^"]*"/g, "");
    expect(strip(html)).toBe(strip(built.text));
  });
});
