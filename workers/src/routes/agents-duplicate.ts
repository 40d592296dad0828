import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { AgentConfig, AgentSaved, newId } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requirePlan } from "../billing/admission.ts";
import { etag, loadAgent, splitConfig, syncAgentTools, toAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/duplicate",
  tags: ["agents"],
  summary: "Deep-copy an agent (locales, variables, tool attachments) as an unpublished “Copy of …”",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 201: jsonResponse(AgentSaved, "The copy"), ...errorResponses },
});

export function registerAgentsDuplicate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    await requirePlan(c, row.spaceId, { limit: "agents" });
    const source = toAgent(row);
    const config = AgentConfig.parse({ ...source, name: `Copy of ${source.name}`.slice(0, 50).trimEnd() });
    const id = newId("agent");
    const copy = await c.get("db").transaction(async (tx) => {
      const [created] = await tx.insert(agents).values({ id, spaceId: row.spaceId, ...splitConfig(config) }).returning();
      if (!created) throw new Error("agent insert returned no row");
      await syncAgentTools(tx, id, config);
      return created;
    });
    return c.json({ ...toAgent(copy), warnings: [] }, 201, { etag: etag(copy) });
  });
}
