// The built browser code (build/public, wrangler's static assets bound as ASSETS): the widget's
// files and the dashboard (/app/, a single-page app whose routes all answer its index.html), served through
// the Worker so every one carries CORS and a cache policy (every site may load them); the loader
// (fixed URL, pasted into customers' pages) is cached briefly so releases reach them within
// minutes, and content-hashed chunks forever. The dashboard's index.html gets this deployment's
// OIDC issuer, client id and API base written into its <meta> tags, so one build serves all.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { loaderPath } from "../lib/widget-embed.ts";

interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

export const loaderMaxAgeS = 300;
const hashedMaxAgeS = 31_536_000;

/** `chunk-3f9a1c2b.js`, `speaknode-widget.5e8d0a13.js`: a name that changes with its content. */
const hashedName = /[.-](?=[A-Za-z0-9_]*\d)[A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

/** Vite names every file of the dashboard's assets/ by content, with hashes that may hold no digit. */
const dashboardAssets = "/app/assets/";

export function cacheControl(path: string): string {
  if (path.startsWith(dashboardAssets) || (path !== loaderPath && hashedName.test(path))) return `public, max-age=${hashedMaxAgeS}, immutable`;
  return `public, max-age=${loaderMaxAgeS}`;
}

/** For a double-quoted attribute value: the browser decodes these back to the exact text. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** index.html with the `speaknode-*` configuration <meta> tags filled; other tags are left alone. */
export function templateDashboardHtml(html: string, settings: Config["dashboard"]): string {
  const values: Record<string, string> = {
    "speaknode-oidc-issuer": settings.oidcIssuer,
    "speaknode-oidc-client-id": settings.oidcClientId,
    "speaknode-api-base": settings.apiBase,
  };
  return html.replace(/<meta name="(speaknode-[a-z-]+)" content="[^"]*"/g, (tag, name: string) =>
    Object.hasOwn(values, name) ? `<meta name="${name}" content="${escapeAttribute(values[name] ?? "")}"` : tag,
  );
}

/** Registered last: a GET no operation answered is looked up among the widget's files. */
export function registerWidgetAssets(app: OpenAPIHono<AppEnv>): void {
  app.get("*", async (c) => {
    const url = new URL(c.req.url);
    const path = url.pathname;
    const assets = c.env["ASSETS"] as AssetsBinding | undefined;
    const unknown = new ApiError("not_found", `no route for ${c.req.method} ${path}`);
    // The dashboard is a single-page app under /app/: its routes all load its index.html.
    if (assets && (path === "/app" || (path.startsWith("/app/") && !/\.[a-z0-9]+$/i.test(path)))) {
      const index = await assets.fetch(new Request(new URL("/app/index.html", url)));
      if (index.status !== 200) throw unknown;
      const html = templateDashboardHtml(await index.text(), c.get("config").dashboard);
      const out = new Response(html, index);
      // The body is no longer the asset's: its validators would describe other bytes. `no-cache`
      // keeps a stale copy from ever being used without asking, so new releases apply at once.
      for (const name of ["etag", "last-modified", "content-length"]) out.headers.delete(name);
      out.headers.set("cache-control", "no-cache");
      out.headers.set("x-content-type-options", "nosniff");
      return out;
    }
    // Only file names with an extension can be the widget's; anything else is an unknown route.
    if (!assets || !/^(\/[\w.-]+)+\.[a-z0-9]+$/i.test(path)) throw unknown;
    const res = await assets.fetch(c.req.raw);
    if (res.status === 404) throw unknown;
    const out = new Response(res.body, res);
    out.headers.set("access-control-allow-origin", "*");
    out.headers.set("cross-origin-resource-policy", "cross-origin");
    out.headers.set("x-content-type-options", "nosniff");
    out.headers.set("cache-control", cacheControl(path));
    return out;
  });
}
