// The published snapshot of an agent, as the public surfaces (widget config, hosted page) see it:
// never the draft, and nothing for an agent that is not published.
import { and, eq } from "drizzle-orm";
import { AgentConfig } from "@speaknode/contracts";
import { agents, agentVersions, type Database } from "@speaknode/db";

export interface PublishedAgent {
  version: number;
  config: AgentConfig;
}

export async function loadPublishedAgent(db: Database, agentId: string): Promise<PublishedAgent | null> {
  const [row] = await db
    .select({ version: agentVersions.version, snapshot: agentVersions.snapshot })
    .from(agents)
    .innerJoin(agentVersions, and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.publishedVersion)))
    .where(eq(agents.id, agentId));
  if (!row) return null;
  return { version: row.version, config: AgentConfig.parse((row.snapshot as { agent: unknown }).agent) };
}

/** The name visitors see: the widget's display name, else the agent's name. */
export const displayName = (config: AgentConfig): string => config.widget.displayName ?? config.name;
