// Editing a campaign (PATCH). A draft takes any change; while running or paused only the settings
// that apply to the next dial (campaignEditableWhileLive) and the name; a completed or cancelled
// campaign only a new name. The settings are validated again as a whole after the patch, and the
// write is conditional on the version and status read, so an edit never lands on a campaign that
// changed underneath it.
import { and, eq } from "drizzle-orm";
import { CampaignSettings, campaignEditableWhileLive, type CampaignStatus, type UpdateCampaignBody } from "@speaknode/contracts";
import { campaigns, type Database } from "@speaknode/db";
import { ApiError, fieldErrorsFromZod, notFound } from "../errors.ts";
import { agentOfSpace, callerNumberErrors } from "./checks.ts";
import { campaignResource, settingsOf, type CampaignRow } from "./store.ts";

const settingKeys = Object.keys(CampaignSettings.shape) as (keyof CampaignSettings)[];

/** The patch's fields (other than `version`) the campaign's status does not let change. */
export function fixedFields(status: CampaignStatus, patch: UpdateCampaignBody): string[] {
  const sent = Object.keys(patch).filter((k) => k !== "version" && patch[k as keyof UpdateCampaignBody] !== undefined);
  if (status === "draft") return [];
  const allowed: readonly string[] = status === "running" || status === "paused" ? ["name", ...campaignEditableWhileLive] : ["name"];
  return sent.filter((k) => !allowed.includes(k));
}

export async function editCampaign(db: Database, row: CampaignRow, patch: UpdateCampaignBody): Promise<CampaignRow> {
  if (patch.version !== undefined && patch.version !== row.version) throw new ApiError("conflict", `the campaign is at version ${row.version}, not ${patch.version}: reload it`);
  const fixed = fixedFields(row.status, patch);
  if (fixed.length > 0) {
    const why = row.status === "running" || row.status === "paused" ? `only name, ${campaignEditableWhileLive.join(", ")} can change` : "only its name can change";
    throw new ApiError("conflict", `the campaign is ${row.status}: ${fixed.join(", ")} cannot change (${why})`, { errors: fixed.map((f) => ({ field: `body.${f}`, message: `fixed while the campaign is ${row.status}` })) });
  }
  const settingsPatch: Record<string, unknown> = {};
  for (const key of settingKeys) if (patch[key] !== undefined) settingsPatch[key] = patch[key];
  const merged = CampaignSettings.safeParse({ ...settingsOf(row), ...settingsPatch });
  if (!merged.success) throw new ApiError("validation_failed", "the settings are not valid once changed", { errors: fieldErrorsFromZod(merged.error, "body") });
  if (patch.agentId !== undefined && patch.agentId !== row.agentId) await agentOfSpace(db, row.spaceId, patch.agentId, "body.agentId");
  if (patch.callerNumberIds !== undefined) {
    const errors = await callerNumberErrors(db, row.spaceId, patch.callerNumberIds, "body.callerNumberIds");
    if (errors.length > 0) throw new ApiError("validation_failed", "a caller number cannot be used", { errors });
  }
  const [updated] = await db
    .update(campaigns)
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.agentId !== undefined ? { agentId: patch.agentId } : {}),
      ...(patch.contactMapping !== undefined ? { contactMapping: patch.contactMapping } : {}),
      settings: merged.data,
      version: row.version + 1,
      updatedAt: new Date(),
    })
    .where(and(eq(campaigns.id, row.id), eq(campaigns.version, row.version), eq(campaigns.status, row.status)))
    .returning();
  if (updated) return updated;
  const [current] = await db.select({ version: campaigns.version, status: campaigns.status }).from(campaigns).where(eq(campaigns.id, row.id));
  if (!current) throw notFound(campaignResource);
  throw new ApiError("conflict", `the campaign changed meanwhile (now ${current.status}, version ${current.version}): reload it and try again`);
}
