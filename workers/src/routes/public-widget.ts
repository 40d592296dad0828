import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { PublicWidgetConfig } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { displayName, loadPublishedAgent } from "../agents/published.ts";
import { notFound } from "../errors.ts";
import { errorResponses, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "get",
  path: "/public/agents/{agentId}/widget",
  tags: ["public"],
  summary: "Public widget configuration of a published agent (no credentials; cacheable; CORS open)",
  request: { params: AgentParams },
  responses: { 200: jsonResponse(PublicWidgetConfig, "What the widget needs, nothing secret"), 304: { description: "Not modified" }, 404: errorResponses[404] },
});

const cors = { "access-control-allow-origin": "*", "access-control-expose-headers": "etag" };

export function registerPublicWidget(app: OpenAPIHono<AppEnv>): void {
  app.options("/public/*", (c) => c.body(null, 204, { ...cors, "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": "content-type, authorization", "access-control-max-age": "86400" }));
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    const row = await loadPublishedAgent(c.get("db"), agentId);
    if (!row) throw notFound("published agent");
    const tag = `"${agentId}.${row.version}"`;
    const headers = { ...cors, etag: tag, "cache-control": "public, max-age=60, stale-while-revalidate=300" };
    if (c.req.header("if-none-match") === tag) return c.body(null, 304, headers);
    const config = row.config;
    const body = {
      agentId,
      displayName: displayName(config),
      languages: config.locales.map((l) => ({ language: l.language, default: l.language === config.defaultLanguage })),
      placement: config.widget.placement,
      launcherText: config.widget.launcherText,
      theme: config.widget.theme,
      showTranscript: config.widget.showTranscript,
      acceptsVariables: Object.entries(config.variables.properties).map(([name, spec]) => ({ name, type: spec.type })),
      version: row.version,
    };
    return c.json(body, 200, headers);
  });
}
