// Publishing freezes a snapshot as the agent's next version and serves it; rollback publishes an
// older snapshot again as a new version. Versions are immutable.
import { desc, eq, sql } from "drizzle-orm";
import { newId, type PreflightProblem } from "@speaknode/contracts";
import { agents, agentVersions } from "@speaknode/db";
import type { AgentRow, Tx } from "./store.ts";

/** `forcedProblems`: what the pre-flight found when an Owner published anyway (null: it passed). */
export async function publishSnapshot(tx: Tx, agent: AgentRow, snapshot: Record<string, unknown>, createdBy: string | null, note: string | undefined, forcedProblems: PreflightProblem[] | null = null): Promise<AgentRow> {
  // Lock the agent so two publishes cannot take the same version number.
  await tx.select({ id: agents.id }).from(agents).where(eq(agents.id, agent.id)).for("update");
  const [last] = await tx.select({ version: agentVersions.version }).from(agentVersions).where(eq(agentVersions.agentId, agent.id)).orderBy(desc(agentVersions.version)).limit(1);
  const version = (last?.version ?? 0) + 1;
  await tx.insert(agentVersions).values({ id: newId("agentVersion"), agentId: agent.id, version, snapshot, note: note ?? null, createdBy, forcedProblems });
  const [row] = await tx
    .update(agents)
    .set({ publishedVersion: version, version: sql`${agents.version} + 1`, updatedAt: new Date() })
    .where(eq(agents.id, agent.id))
    .returning();
  if (!row) throw new Error("agent vanished while publishing");
  return row;
}
