import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, noContent } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "Delete an agent with its versions",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 204: noContent, ...errorResponses },
});

export function registerAgentsDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    await c.get("db").delete(agents).where(eq(agents.id, row.id));
    return c.body(null, 204);
  });
}
