// The agent a dispatch runs, with the caller's role in its space and its published snapshot, in
// one query: the dispatch route's reads before its admission are then this and the plan, not four
// round trips (agent, membership, published version, plan). The 404 is requireInSpace's: a missing
// agent and another space's agent answer the same.
import type { Context } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { agents, agentVersions, memberships } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import type { AgentRow } from "../agents/store.ts";
import { notFound } from "../errors.ts";

export interface AgentToDispatch {
  row: AgentRow;
  /** The published version's snapshot (undefined when the agent is unpublished). */
  publishedSnapshot: unknown;
}

export async function loadAgentToDispatch(c: Context<AppEnv>, agentId: string): Promise<AgentToDispatch> {
  const principal = c.get("principal");
  // An API key's role is its own; a user's is their membership, read in the same query.
  const userId = principal.type === "user" ? principal.userId : null;
  const [found] = await c
    .get("db")
    .select({
      agent: agents,
      snapshot: agentVersions.snapshot,
      role: userId === null ? sql<null>`null` : memberships.role,
    })
    .from(agents)
    .leftJoin(agentVersions, and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.publishedVersion)))
    .leftJoin(memberships, userId === null ? sql`false` : and(eq(memberships.spaceId, agents.spaceId), eq(memberships.userId, userId)))
    .where(eq(agents.id, agentId))
    .limit(1);
  if (!found) throw notFound("agent");
  const role = principal.type === "api_key" ? (principal.spaceId === found.agent.spaceId ? principal.role : null) : found.role;
  if (!role) throw notFound("agent");
  if (found.agent.publishedVersion !== null && found.snapshot === null) throw new Error("published version row is missing");
  return { row: found.agent, publishedSnapshot: found.snapshot ?? undefined };
}
