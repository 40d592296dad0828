// A campaign's webhook events, written by its CampaignRunner in the transaction of the change:
// campaign.item.completed when an item reaches a final status (after its last attempt, or closed
// while waiting: skipped at endBy, cancelled with the campaign), campaign.completed when the
// campaign completes or, cancelled, has no call left. Keys: the item with its attempt count (an
// item reopened and finished again is a new event), the campaign (once).
import { count, eq } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { campaignItems, campaigns, domainEvents } from "@speaknode/db";
import { emitEvent, eventKeys, type Db, type EventData } from "./emit.ts";

export interface FinalItem {
  itemId: string;
  campaignId: string;
  spaceId: string;
  /** completed, failed, skipped or cancelled. */
  status: string;
  outcome: string | null;
  attempts: number;
  sessionId: string | null;
}

function itemData(item: FinalItem, completedAt: Date): EventData<"campaign.item.completed"> {
  return {
    campaignId: item.campaignId,
    itemId: item.itemId,
    status: item.status,
    outcome: item.outcome,
    attempts: item.attempts,
    sessionId: item.sessionId,
    completedAt: completedAt.toISOString(),
  };
}

/** Rows per INSERT when a whole list of waiting items closes at once. */
const insertChunk = 1000;

/** Emits campaign.item.completed for each item; the ids inserted (an item's repeat inserts nothing). */
export async function emitItemsCompleted(tx: Db, items: readonly FinalItem[], completedAt: Date): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < items.length; i += insertChunk) {
    const rows = items.slice(i, i + insertChunk).map((item) => ({
      id: newId("domainEvent"),
      spaceId: item.spaceId,
      type: "campaign.item.completed",
      data: itemData(item, completedAt) as Record<string, unknown>,
      key: eventKeys.campaignItemCompleted(item.itemId, item.attempts),
    }));
    if (rows.length === 0) continue;
    const inserted = await tx.insert(domainEvents).values(rows).onConflictDoNothing().returning({ id: domainEvents.id });
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}

/** Emits campaign.completed (status completed or cancelled) with the items counted by status; its id, or null when emitted before. */
export async function emitCampaignCompleted(tx: Db, campaignId: string, status: "completed" | "cancelled", completedAt: Date): Promise<string | null> {
  const [campaign] = await tx.select({ spaceId: campaigns.spaceId, name: campaigns.name }).from(campaigns).where(eq(campaigns.id, campaignId));
  if (!campaign) return null;
  const rows = await tx.select({ status: campaignItems.status, n: count() }).from(campaignItems).where(eq(campaignItems.campaignId, campaignId)).groupBy(campaignItems.status);
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.status] = Number(r.n);
  const data: EventData<"campaign.completed"> = { campaignId, name: campaign.name, status, counts, completedAt: completedAt.toISOString() };
  return emitEvent(tx, campaign.spaceId, "campaign.completed", data, eventKeys.campaignCompleted(campaignId));
}
