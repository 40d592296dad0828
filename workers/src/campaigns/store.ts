// Campaign rows: the API's view of them and loading one for a caller of its space. Shared by the
// campaign routes, the contacts upload and the runner.
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { CampaignSettings, ContactMapping, type Campaign, type CampaignAttempt, type CampaignItem, type SpaceRole } from "@speaknode/contracts";
import { campaignAttempts, campaignItems, campaigns } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { iso, isoOrNull } from "../lib/openapi.ts";
import { analysisSummary } from "../analysis/serialize.ts";

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignItemRow = typeof campaignItems.$inferSelect;
export type CampaignAttemptRow = typeof campaignAttempts.$inferSelect;

export const campaignResource = "campaign";

/** The stored settings, read through the contract (defaults fill anything added since). */
export function settingsOf(row: CampaignRow): CampaignSettings {
  return CampaignSettings.parse(row.settings);
}

export function mappingOf(row: CampaignRow): ContactMapping | null {
  return row.contactMapping === null ? null : ContactMapping.parse(row.contactMapping);
}

/** How a cancel treats live calls, or null (stored as text). */
export function cancelModeOf(row: Pick<CampaignRow, "cancelMode">): Campaign["cancelMode"] {
  return row.cancelMode === "finish" || row.cancelMode === "end_calls" ? row.cancelMode : null;
}

export function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    spaceId: row.spaceId,
    agentId: row.agentId,
    agentVersion: row.agentVersion,
    name: row.name,
    status: row.status,
    settings: settingsOf(row),
    contactMapping: mappingOf(row),
    cancelMode: cancelModeOf(row),
    itemCount: row.itemCount,
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    launchedAt: isoOrNull(row.launchedAt),
    endedAt: isoOrNull(row.endedAt),
  };
}

/** `analysis`: the latest session's analysis columns (itemAnalyses), absent when it has none. */
export function toCampaignItem(row: CampaignItemRow, analysis?: Parameters<typeof analysisSummary>[0]): CampaignItem {
  return {
    id: row.id,
    rowNumber: row.rowNumber,
    phone: row.phone,
    variables: row.variables,
    timeZone: row.timeZone,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: isoOrNull(row.nextAttemptAt),
    lastOutcome: (row.lastOutcome as CampaignItem["lastOutcome"]) ?? null,
    lastError: row.lastError,
    lastSessionId: row.lastSessionId,
    lastAnalysis: row.lastSessionId && analysis ? analysisSummary(analysis) : null,
    updatedAt: iso(row.updatedAt),
  };
}

export function toCampaignAttempt(row: CampaignAttemptRow): CampaignAttempt {
  return {
    id: row.id,
    attemptNumber: row.attemptNumber,
    state: row.state as CampaignAttempt["state"],
    sessionId: row.sessionId,
    phoneNumberId: row.phoneNumberId,
    outcome: (row.outcome as CampaignAttempt["outcome"]) ?? null,
    error: row.error,
    durationS: row.durationS,
    createdAt: iso(row.createdAt),
    dialedAt: isoOrNull(row.dialedAt),
    endedAt: isoOrNull(row.endedAt),
  };
}

/** The campaign for a caller of its space with `need`; outside it the 404 of a made-up id. */
export async function loadCampaign(c: Context<AppEnv>, campaignId: string, need: SpaceRole = "member"): Promise<CampaignRow> {
  const [row] = await c.get("db").select().from(campaigns).where(eq(campaigns.id, campaignId));
  return (await requireInSpace(c, campaignResource, row, need)).row;
}
