// The hosted page of a published agent (its "public link"): the widget on a plain page of this
// Worker, to try an agent without a website. The page's own query string is the visitor's URL,
// so `?customer_name=Ada` reaches the widget as a variable exactly as on a customer's site.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { idSchema, text } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { notFound, problemResponse } from "../errors.ts";
import { problemSpec } from "../lib/openapi.ts";
import { displayName, loadPublishedAgent } from "../agents/published.ts";
import { escapeHtml, loaderPath } from "../lib/widget-embed.ts";

export const route = createRoute({
  method: "get",
  path: "/a/{agentId}",
  tags: ["public"],
  summary: "A hosted web page with the widget of a published agent; its query string becomes the session's variables",
  // Any string: a malformed id is as unknown to visitors as a missing agent (404, not 400).
  request: { params: z.object({ agentId: text() }) },
  responses: {
    200: { description: "The page", content: { "text/html": { schema: text() } } },
    404: {
      description: "No published agent with this id: a page for browsers (Accept: text/html), else a problem",
      content: { ...problemSpec("").content, "text/html": { schema: text() } },
    },
  },
});

const pageHeaders = {
  "content-type": "text/html; charset=utf-8",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "permissions-policy": "microphone=(self), camera=()",
};

const style = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; align-items: center; justify-content: center; background: #f8fafc; color: #111827; }
  main { max-width: 34rem; padding: 2rem; text-align: center; }
  h1 { font-size: 1.75rem; margin: 0 0 .75rem; padding-bottom: .5rem; border-bottom: 3px solid var(--accent); display: inline-block; }
  p { line-height: 1.5; opacity: .8; margin: .25rem 0 1.5rem; }
  /* Inherited properties cross the widget's shadow boundary: keep the page's centring out of it.
     --sn-bottom lifts the widget's launcher and panel above the fixed footer (phones included). */
  speacknode-agent { text-align: start; --sn-bottom: 3rem; }
  footer { position: fixed; bottom: .75rem; left: 0; right: 0; text-align: center; font-size: .75rem; color: #4b5563; }
  a { color: inherit; }`;

// The theme's text colour is for text on the primary colour (the launcher), so the page keeps its
// own neutral colours and takes only the accent from the theme.
function page(opts: { title: string; lang: string; body: string; accent: string }): string {
  return `<!doctype html>
<html lang="${escapeHtml(opts.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(opts.title)}</title>
<style>:root { --accent: ${escapeHtml(opts.accent)}; }${style}</style>
</head>
<body>
${opts.body}
<footer>Powered by Speaknode</footer>
</body>
</html>
`;
}

function notFoundPage(c: Context<AppEnv>): Response {
  const error = notFound("published agent");
  if (!(c.req.header("accept") ?? "").includes("text/html")) return problemResponse(c, error);
  const body = `<main><h1>Agent not found</h1><p>There is no published agent at this address. It may have been unpublished, or the link is mistyped.</p></main>`;
  return c.html(page({ title: "Agent not found · Speaknode", lang: "en", body, accent: "#9ca3af" }), 404, { ...pageHeaders, "cache-control": "no-store" });
}

export function registerPublicPage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    if (!idSchema("agent").safeParse(agentId).success) return notFoundPage(c);
    const agent = await loadPublishedAgent(c.get("db"), agentId);
    if (!agent) return notFoundPage(c);
    const name = displayName(agent.config);
    const body = `<main>
<h1>${escapeHtml(name)}</h1>
<p>Press the button to talk. Your browser will ask for the microphone; it is used only during the call.</p>
<speacknode-agent agent-id="${escapeHtml(agentId)}"></speacknode-agent>
</main>
<script src="${loaderPath}" async></script>`;
    const html = page({ title: `${name} · Speaknode`, lang: agent.config.defaultLanguage, body, accent: agent.config.widget.theme.primaryColor });
    return c.html(html, 200, { ...pageHeaders, "cache-control": "public, max-age=60" });
  });
}
