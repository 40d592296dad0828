// Reading and writing agents: rows ↔ API bodies, the agent_tools index kept in step with the
// config, optimistic concurrency, and the snapshots publishing freezes.
import type { Context } from "hono";
import { and, eq, inArray } from "drizzle-orm";
import { AgentConfig, type Agent } from "@speaknode/contracts";
import { agents, agentTools, tools, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace, type SpaceAccess } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { iso } from "../lib/openapi.ts";
import { toTool } from "../tools/serialize.ts";
import { validateAgentConfig } from "./validate.ts";

export type AgentRow = typeof agents.$inferSelect;
export type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

export function toAgent(row: AgentRow): Agent {
  const config = AgentConfig.parse({ ...row.config, name: row.name });
  return {
    ...config,
    id: row.id,
    spaceId: row.spaceId,
    version: row.version,
    published: row.publishedVersion !== null,
    publishedVersion: row.publishedVersion,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function splitConfig(config: AgentConfig): { name: string; config: Record<string, unknown> } {
  const { name, ...rest } = config;
  return { name, config: rest };
}

export const etag = (row: { version: number }) => `"${row.version}"`;

/** The version the client last saw, from If-Match (`"3"`, `W/"3"`); undefined when not sent. */
export function ifMatchVersion(c: Context<AppEnv>): number | undefined {
  const header = c.req.header("if-match");
  if (!header || header.trim() === "*") return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match?.[1]) throw new ApiError("precondition_failed", 'If-Match must be an ETag (the version), like "3"');
  return Number(match[1]);
}

/** An agent by id, visible to members of its space (404 for everyone else). */
export async function loadAgent(c: Context<AppEnv>, agentId: string): Promise<{ row: AgentRow; access: SpaceAccess }> {
  const [row] = await c.get("db").select().from(agents).where(eq(agents.id, agentId));
  return requireInSpace(c, "agent", row);
}

export async function checkedConfig(db: Database, spaceId: string, config: AgentConfig, selfId?: string) {
  const findings = await validateAgentConfig(db, spaceId, config, selfId);
  if (findings.errors.length > 0) throw new ApiError("validation_failed", "the agent's configuration is not valid", { errors: findings.errors });
  return findings.warnings;
}

export async function syncAgentTools(tx: Tx, agentId: string, config: AgentConfig): Promise<void> {
  await tx.delete(agentTools).where(eq(agentTools.agentId, agentId));
  const ids = [...new Set(config.tools.flatMap((t) => (t.type === "webhook" ? [t.toolId] : [])))];
  if (ids.length > 0) await tx.insert(agentTools).values(ids.map((toolId) => ({ agentId, toolId })));
}

/** What a published version freezes: the configuration and its webhook tools (never their secrets). */
export async function buildSnapshot(tx: Tx, spaceId: string, config: AgentConfig): Promise<{ agent: AgentConfig; tools: Record<string, unknown>[] }> {
  const ids = config.tools.flatMap((t) => (t.type === "webhook" ? [t.toolId] : []));
  const rows = ids.length ? await tx.select().from(tools).where(and(eq(tools.spaceId, spaceId), inArray(tools.id, ids))) : [];
  return { agent: config, tools: rows.map((row) => ({ ...toTool(row), parameterLocations: row.parameterLocations })) };
}
