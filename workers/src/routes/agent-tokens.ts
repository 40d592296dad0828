// Agent tokens of an agent: issue (the token is shown once), list (never the token), revoke.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { AgentToken, CreateAgentTokenBody, idSchema, IssuedAgentToken, listOf, newId } from "@speaknode/contracts";
import { agentTokens } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { requireInSpace } from "../auth/access.ts";
import { signAgentToken, toAgentToken } from "../sessions/agent-tokens.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, noContent } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

const AgentTokenParams = z.object({ tokenId: idSchema("agentToken") });
/** The list shows the newest tokens; older ones have long expired (24 h at most). */
const listLimit = 200;

const originsNote =
  "`allowedOrigins` restricts the pages that may use the token (by their Origin header); empty means any page, because the token itself is the credential — keep it secret like an API key, or give origins so a leaked token is useless on other sites' pages.";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/agent-tokens",
  tags: ["sessions"],
  summary: "Issue a short-lived token that lets a widget start sessions with this agent (the widget's agent-token)",
  description: `The token is returned this once; it can be listed and revoked by id. A token issued with an API key stops working when that key is revoked. ${originsNote}`,
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(CreateAgentTokenBody) },
  responses: { 201: jsonResponse(IssuedAgentToken, "The token"), ...errorResponses },
});

export const listRoute = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/agent-tokens",
  tags: ["sessions"],
  summary: "The agent's tokens, newest first (never the tokens themselves)",
  description: originsNote,
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 200: jsonResponse(listOf(AgentToken), "The tokens"), ...errorResponses },
});

export const revokeRoute = createRoute({
  method: "delete",
  path: "/v1/agent-tokens/{tokenId}",
  tags: ["sessions"],
  summary: "Revoke an agent token: widgets using it can start no more sessions",
  security: bearerSecurity,
  request: { params: AgentTokenParams },
  responses: { 204: noContent, ...errorResponses },
});

export function registerAgentTokens(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row: agent } = await loadAgent(c, c.req.valid("param").agentId);
    const body = c.req.valid("json");
    const principal = c.get("principal");
    const expiresAt = new Date(Date.now() + body.ttlS * 1000);
    const [row] = await c
      .get("db")
      .insert(agentTokens)
      .values({
        id: newId("agentToken"),
        spaceId: agent.spaceId,
        agentId: agent.id,
        name: body.name ?? null,
        // A token minted by an API key is checked against that key on every use (and deleted with it).
        apiKeyId: principal.type === "api_key" ? principal.apiKeyId : null,
        createdBy: principal.type === "user" ? principal.userId : null,
        allowedOrigins: body.allowedOrigins,
        expiresAt,
      })
      .returning();
    if (!row) throw new Error("agent token insert returned no row");
    const token = await signAgentToken(c.get("config").runtime.tokenSecret, { tokenId: row.id, agentId: agent.id, expiresAt });
    return c.json({ ...toAgentToken(row), token }, 201);
  });

  app.openapi(listRoute, async (c) => {
    const { row: agent } = await loadAgent(c, c.req.valid("param").agentId);
    const rows = await c.get("db").select().from(agentTokens).where(eq(agentTokens.agentId, agent.id)).orderBy(desc(agentTokens.createdAt), desc(agentTokens.id)).limit(listLimit);
    const now = new Date();
    return c.json({ data: rows.map((r) => toAgentToken(r, now)) }, 200);
  });

  app.openapi(revokeRoute, async (c) => {
    const db = c.get("db");
    const [found] = await db.select({ id: agentTokens.id, spaceId: agentTokens.spaceId }).from(agentTokens).where(eq(agentTokens.id, c.req.valid("param").tokenId));
    const { row } = await requireInSpace(c, "agent token", found);
    // Revoking twice keeps the first time.
    await db.update(agentTokens).set({ revokedAt: new Date() }).where(and(eq(agentTokens.id, row.id), isNull(agentTokens.revokedAt)));
    return c.body(null, 204);
  });
}
