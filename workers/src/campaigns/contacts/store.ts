// Reading what an upload is checked against (the campaign's numbers, its highest row) and
// creating the items: one transaction that claims the campaign row (status and version
// unchanged since it was read), inserts the items in batches and keeps item_count exact.
import { and, eq, inArray, sql } from "drizzle-orm";
import { newId, type CampaignStatus, type ContactMapping } from "@speaknode/contracts";
import { campaignItems, campaigns, type Database } from "@speaknode/db";
import { ApiError } from "../../errors.ts";
import type { CampaignRow } from "../store.ts";
import type { NewItem } from "./rows.ts";

/** Rows per INSERT: the rows travel as one jsonb parameter, so this bounds statement size, not parameters. */
const insertBatch = 5000;

/** Statuses in which contacts may be added. */
export const uploadableStatuses: CampaignStatus[] = ["draft", "paused"];

/** Every number already in the campaign (E.164). */
export async function existingPhones(db: Database, campaignId: string): Promise<Set<string>> {
  const rows = await db.select({ phone: campaignItems.phone }).from(campaignItems).where(eq(campaignItems.campaignId, campaignId));
  return new Set(rows.map((r) => r.phone));
}

/**
 * Creates the items, all or none. The campaign's row is updated first (item_count, version), on
 * condition that its status and version are the ones the upload was checked against, which also
 * locks it: a second upload at the same time waits, then finds the version moved and gets a 409.
 */
export async function createItems(db: Database, campaign: CampaignRow, items: readonly NewItem[], opts: { guessedMapping?: ContactMapping } = {}): Promise<number> {
  if (items.length === 0) return 0;
  return db.transaction(async (tx) => {
    // A mapping guessed from the columns becomes the campaign's: the items were made with it, and
    // launching (and the next upload) read the campaign's mapping.
    const mapping = opts.guessedMapping ? { contactMapping: opts.guessedMapping } : {};
    const [claimed] = await tx
      .update(campaigns)
      .set({ itemCount: sql`${campaigns.itemCount} + ${items.length}`, version: sql`${campaigns.version} + 1`, updatedAt: new Date(), ...mapping })
      .where(and(eq(campaigns.id, campaign.id), eq(campaigns.version, campaign.version), inArray(campaigns.status, uploadableStatuses)))
      .returning({ itemCount: campaigns.itemCount });
    if (!claimed) throw new ApiError("conflict", "the campaign changed while the file was checked (another upload, an edit or a launch): upload it again");
    const [top] = await tx
      .select({ max: sql<number>`coalesce(max(${campaignItems.rowNumber}), 0)::int` })
      .from(campaignItems)
      .where(eq(campaignItems.campaignId, campaign.id));
    const offset = top?.max ?? 0;
    for (let i = 0; i < items.length; i += insertBatch) {
      const batch = items.slice(i, i + insertBatch).map((item) => ({
        id: newId("campaignItem"),
        row_number: offset + item.row,
        phone: item.phone,
        variables: item.variables,
        time_zone: item.timeZone,
      }));
      await tx.execute(sql`
        insert into ${campaignItems} (id, campaign_id, space_id, row_number, phone, variables, time_zone, status)
        select r.id, ${campaign.id}, ${campaign.spaceId}, r.row_number, r.phone, r.variables, r.time_zone, 'pending'
        from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as r(id text, row_number int, phone text, variables jsonb, time_zone text)`);
    }
    return items.length;
  });
}
