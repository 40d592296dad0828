// The agent a dispatch runs, with the caller's role in its space, its published snapshot and its
// space's billing state, in one query: the dispatch route's only read before its admission, not
// four round trips (agent, membership, published version, plan). The 404 is requireInSpace's: a
// missing agent and another space's agent answer the same.
import type { Context } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { agents, agentVersions, memberships, plans, subscriptions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import type { AgentRow } from "../agents/store.ts";
import { notFound } from "../errors.ts";
import { billingColumns, billingStateFrom, defaultPlans, pendingPlans, type BillingState } from "../billing/subscription.ts";

export interface AgentToDispatch {
  row: AgentRow;
  /** The published version's snapshot (undefined when the agent is unpublished). */
  publishedSnapshot: unknown;
  /** The space's plan and period, for the admission. */
  billing: BillingState;
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
      ...billingColumns,
    })
    .from(agents)
    .leftJoin(agentVersions, and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.publishedVersion)))
    .leftJoin(memberships, userId === null ? sql`false` : and(eq(memberships.spaceId, agents.spaceId), eq(memberships.userId, userId)))
    .leftJoin(subscriptions, eq(subscriptions.spaceId, agents.spaceId))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .leftJoin(pendingPlans, eq(pendingPlans.id, subscriptions.pendingPlanId))
    .leftJoin(defaultPlans, eq(defaultPlans.code, c.get("config").billing.defaultPlan))
    .where(eq(agents.id, agentId))
    .limit(1);
  if (!found) throw notFound("agent");
  const role = principal.type === "api_key" ? (principal.spaceId === found.agent.spaceId ? principal.role : null) : found.role;
  if (!role) throw notFound("agent");
  if (found.agent.publishedVersion !== null && found.snapshot === null) throw new Error("published version row is missing");
  const billing = await billingStateFrom(c.get("db"), found.agent.spaceId, found, c.get("config").billing.defaultPlan);
  return { row: found.agent, publishedSnapshot: found.snapshot ?? undefined, billing };
}
