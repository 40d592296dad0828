// Moving a campaign between states. Every move is one conditional UPDATE (WHERE status IN …), so
// of two racing requests exactly one changes the row and the other gets a 409 naming the status
// it found. The routes only move the campaign row; the CampaignRunner, woken afterwards, does the
// item-level work (dialling, cancelling waiting items, completing the campaign).
import type { Context } from "hono";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { CampaignStatus } from "@speaknode/contracts";
import { campaignItems, campaigns, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { agentOfSpace, callerNumberErrors } from "./checks.ts";
import { campaignRunnerIn } from "./runner-stub.ts";
import { campaignResource, mappingOf, settingsOf, type CampaignRow } from "./store.ts";

export type CampaignAction = "launch" | "pause" | "resume" | "cancel";

const moves: Record<CampaignAction, { from: readonly CampaignStatus[]; to: CampaignStatus; needs: string }> = {
  launch: { from: ["draft"], to: "running", needs: "only a draft can be launched" },
  pause: { from: ["running"], to: "paused", needs: "only a running campaign can be paused" },
  resume: { from: ["paused"], to: "running", needs: "only a paused campaign can be resumed" },
  cancel: { from: ["draft", "running", "paused"], to: "cancelled", needs: "only a draft, running or paused campaign can be cancelled" },
};

/** The 409 of a move the campaign's status does not allow (the 404 when it is gone). */
export const wrongState = (status: CampaignStatus | undefined, needs: string): ApiError =>
  status ? new ApiError("conflict", `the campaign is ${status}: ${needs}`) : notFound(campaignResource);

/** What launching pins: refused (409) while the agent is unpublished, the campaign has no contacts
 *  or no mapping, or a caller number has left the space. */
async function launchChecks(db: Database, row: CampaignRow): Promise<{ agentVersion: number }> {
  const agent = await agentOfSpace(db, row.spaceId, row.agentId);
  if (agent.publishedVersion === null) throw new ApiError("conflict", "the agent has no published version: publish it before launching");
  if (mappingOf(row) === null) throw new ApiError("conflict", "the campaign has no contact mapping: upload contacts before launching");
  const [item] = await db.select({ id: campaignItems.id }).from(campaignItems).where(eq(campaignItems.campaignId, row.id)).limit(1);
  if (!item) throw new ApiError("conflict", "the campaign has no contacts: upload contacts before launching");
  const errors = await callerNumberErrors(db, row.spaceId, settingsOf(row).callerNumberIds, "settings.callerNumberIds");
  if (errors.length > 0) throw new ApiError("conflict", "a caller number can no longer place the campaign's calls: change callerNumberIds", { errors });
  return { agentVersion: agent.publishedVersion };
}

/** Moves the campaign (409 from any other state) and returns the row as written. */
export async function moveCampaign(db: Database, row: CampaignRow, action: CampaignAction, cancelMode?: "finish" | "end_calls"): Promise<CampaignRow> {
  const move = moves[action];
  if (!move.from.includes(row.status)) throw wrongState(row.status, move.needs);
  const now = new Date();
  const extra =
    action === "launch" ? { agentVersion: (await launchChecks(db, row)).agentVersion, launchedAt: now } : action === "cancel" ? { cancelMode: cancelMode ?? "finish", endedAt: now } : {};
  const [updated] = await db
    .update(campaigns)
    .set({ ...extra, status: move.to, version: sql`${campaigns.version} + 1`, updatedAt: now })
    .where(and(eq(campaigns.id, row.id), inArray(campaigns.status, [...move.from])))
    .returning();
  if (updated) return updated;
  // Another request (or the runner) moved it first: say where it is now.
  const [current] = await db.select({ status: campaigns.status }).from(campaigns).where(eq(campaigns.id, row.id));
  throw wrongState(current?.status, move.needs);
}

/** Tells the campaign's runner to look again now. The row is already written: a runner that cannot
 *  be reached is logged, not turned into a failed request (its alarm or the next wake catches up). */
export async function wakeRunner(c: Context<AppEnv>, campaignId: string): Promise<void> {
  try {
    await campaignRunnerIn(c.env, campaignId).wake({ campaignId, origin: publicOrigin(c) });
  } catch (err) {
    log.warn("campaign runner wake failed", { campaignId, ...errorFields(err) });
  }
}
