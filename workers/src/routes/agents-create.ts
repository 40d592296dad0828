import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { AgentSaved, CreateAgentBody, newId } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { requirePlan } from "../billing/admission.ts";
import { checkedConfig, etag, splitConfig, syncAgentTools, toAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/agents",
  tags: ["agents"],
  summary: "Create an agent (unpublished); warnings list declared variables used nowhere",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(CreateAgentBody) },
  responses: { 201: jsonResponse(AgentSaved, "The new agent"), ...errorResponses },
});

export function registerAgentsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const config = c.req.valid("json");
    await requireSpace(c, spaceId);
    await requirePlan(c, spaceId, { limit: "agents" });
    const db = c.get("db");
    const warnings = await checkedConfig(db, spaceId, config);
    const id = newId("agent");
    const row = await db.transaction(async (tx) => {
      const [created] = await tx.insert(agents).values({ id, spaceId, ...splitConfig(config) }).returning();
      if (!created) throw new Error("agent insert returned no row");
      await syncAgentTools(tx, id, config);
      return created;
    });
    return c.json({ ...toAgent(row), warnings }, 201, { etag: etag(row) });
  });
}
