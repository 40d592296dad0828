// Appending one contact to a running or paused campaign (an inbound route's campaign_item). The
// row is checked by the contacts upload's own rules (ContactRows: E.164, the variables typed by the
// campaign's pinned agent version, the time zone from the number's country, duplicates unless the
// campaign allows them); the item is inserted in one transaction that first claims the campaign
// row (still running or paused, under the item limit) and keeps item_count exact, as uploads do.
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { campaignMaxItems, newId, type AgentConfig, type CampaignStatus, type VariableValue } from "@speaknode/contracts";
import { campaignItems, campaigns, type Database } from "@speaknode/db";
import { ApiError } from "../../errors.ts";
import { settingsOf, type CampaignRow } from "../../campaigns/store.ts";
import { ContactRows } from "../../campaigns/contacts/rows.ts";
import { TimeZones } from "../../campaigns/contacts/time-zone.ts";

/** A route may add to a campaign that is dialling or paused; a draft is filled by uploads. */
export const appendableStatuses: CampaignStatus[] = ["running", "paused"];

// A column name no variable can have (variable names are letters, digits and _).
const phoneColumn = "#phone";

/** Checks and inserts the contact; returns the new item's id. */
export async function appendCampaignItem(db: Database, campaign: CampaignRow, config: AgentConfig, contact: { phone: string; variables: Record<string, VariableValue> }): Promise<string> {
  if (!appendableStatuses.includes(campaign.status)) throw new ApiError("conflict", `the campaign is ${campaign.status}: contacts can be added to a running or paused campaign`);
  const settings = settingsOf(campaign);
  const names = Object.keys(contact.variables);
  const [already] = settings.allowDuplicates
    ? []
    : await db.select({ id: campaignItems.id }).from(campaignItems).where(and(eq(campaignItems.campaignId, campaign.id), eq(campaignItems.phone, contact.phone))).limit(1);
  const locale = config.locales.find((l) => l.language === config.defaultLanguage) ?? config.locales[0];
  const rows = new ContactRows({
    columns: [phoneColumn, ...names],
    mapping: { phoneColumn, variables: Object.fromEntries(names.map((n) => [n, n])), timeZoneColumn: null },
    schema: config.variables,
    source: "json",
    firstMessage: locale?.firstMessage ?? "",
    defaultTimeZone: settings.defaultTimeZone,
    allowDuplicates: settings.allowDuplicates,
    existing: new Set(already ? [contact.phone] : []),
    zones: new TimeZones(),
  });
  rows.add({ cells: [contact.phone, ...names.map((n) => contact.variables[n])] });
  if (rows.errors.length > 0) {
    throw new ApiError("unprocessable_content", "the contact does not fit the campaign's agent", { errors: rows.errors.map((e) => ({ field: e.field === phoneColumn || e.field === null ? "phoneNumber" : e.field, message: e.reason })) });
  }
  const [duplicate] = rows.duplicates;
  if (duplicate) throw new ApiError("conflict", duplicate.reason);
  const [item] = rows.items;
  if (!item) throw new Error("a valid contact row made no item");

  return db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(campaigns)
      .set({ itemCount: sql`${campaigns.itemCount} + 1`, version: sql`${campaigns.version} + 1`, updatedAt: new Date() })
      .where(and(eq(campaigns.id, campaign.id), inArray(campaigns.status, appendableStatuses), lt(campaigns.itemCount, campaignMaxItems)))
      .returning({ status: campaigns.status });
    if (!claimed) {
      const [now] = await tx.select({ status: campaigns.status, itemCount: campaigns.itemCount }).from(campaigns).where(eq(campaigns.id, campaign.id));
      if (now && appendableStatuses.includes(now.status)) throw new ApiError("conflict", `a campaign has at most ${campaignMaxItems} contacts`);
      throw new ApiError("conflict", `the campaign is ${now?.status ?? "gone"}: contacts can be added to a running or paused campaign`);
    }
    const [top] = await tx.select({ max: sql<number>`coalesce(max(${campaignItems.rowNumber}), 0)::int` }).from(campaignItems).where(eq(campaignItems.campaignId, campaign.id));
    const id = newId("campaignItem");
    await tx.insert(campaignItems).values({ id, campaignId: campaign.id, spaceId: campaign.spaceId, rowNumber: (top?.max ?? 0) + 1, phone: item.phone, variables: item.variables, timeZone: item.timeZone, status: "pending" });
    return id;
  });
}
