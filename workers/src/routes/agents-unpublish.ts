import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { Agent } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { etag, loadAgent, toAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/unpublish",
  tags: ["agents"],
  summary: "Stop serving the agent publicly (widget, link, numbers); its versions are kept",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 200: jsonResponse(Agent, "The agent, unpublished"), ...errorResponses },
});

export function registerAgentsUnpublish(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const [updated] = await c
      .get("db")
      .update(agents)
      .set({ publishedVersion: null, version: sql`${agents.version} + 1`, updatedAt: new Date() })
      .where(eq(agents.id, row.id))
      .returning();
    const result = updated ?? row;
    return c.json(toAgent(result), 200, { etag: etag(result) });
  });
}
