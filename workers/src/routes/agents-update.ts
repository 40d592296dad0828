import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { AgentConfig, AgentSaved, UpdateAgentBody } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { checkedConfig, etag, ifMatchVersion, loadAgent, splitConfig, syncAgentTools, toAgent } from "../agents/store.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "Change an agent's draft; send If-Match with its ETag to refuse a stale update (412)",
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(UpdateAgentBody) },
  responses: { 200: jsonResponse(AgentSaved, "The updated agent"), ...errorResponses, 412: problemSpec("The agent changed since the given ETag") },
});

export function registerAgentsUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    const patch = c.req.valid("json");
    const expected = ifMatchVersion(c);
    const { row } = await loadAgent(c, agentId);
    if (expected !== undefined && expected !== row.version) throw new ApiError("precondition_failed", `the agent is at version ${row.version}, not ${expected}: reload it`);
    const current = toAgent(row);
    const merged = AgentConfig.parse({ ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) });
    const db = c.get("db");
    const warnings = await checkedConfig(db, row.spaceId, merged, agentId);
    const updated = await db.transaction(async (tx) => {
      const [saved] = await tx
        .update(agents)
        .set({ ...splitConfig(merged), version: sql`${agents.version} + 1`, updatedAt: new Date() })
        .where(and(eq(agents.id, agentId), eq(agents.version, row.version)))
        .returning();
      if (!saved) throw new ApiError("precondition_failed", "the agent changed while saving: reload it");
      await syncAgentTools(tx, agentId, merged);
      return saved;
    });
    return c.json({ ...toAgent(updated), warnings }, 200, { etag: etag(updated) });
  });
}
