import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { AgentEmbed } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { embedSnippet, loaderUrl, publicLinkUrl } from "../lib/widget-embed.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/embed",
  tags: ["agents"],
  summary: "The HTML snippet that puts this agent's widget on a web page, the loader's URL and the hosted test page",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 200: jsonResponse(AgentEmbed, "How to embed the agent"), ...errorResponses },
});

export function registerAgentsEmbed(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const origin = publicOrigin(c);
    const body: AgentEmbed = {
      html: embedSnippet(origin, row.id),
      loaderUrl: loaderUrl(origin),
      publicLinkUrl: publicLinkUrl(origin, row.id),
      published: row.publishedVersion !== null,
    };
    return c.json(body, 200);
  });
}
