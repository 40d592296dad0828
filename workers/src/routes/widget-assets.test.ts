// Runs against the real build in build/public (`npm test` builds it first; wrangler.toml's [assets]).
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../test/helpers.ts";
import { cacheControl } from "./widget-assets.ts";

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
  });
});

describe("the dashboard", () => {
  it("answers every route under /app/ with its index.html, never cached, and its hashed files for long", async () => {
    for (const path of ["/app", "/app/", "/app/spaces/spc_00000000000000000000000001/agents", "/app/signin/callback"]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(res.headers.get("cache-control"), path).toBe("no-store");
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
