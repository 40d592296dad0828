// The runner's reads and writes of a campaign and its items as a whole: due items, window
// deferrals, endBy and cancel sweeps, the completion of a campaign with nothing left to do, and
// the totals the live view shows. Every write is conditional on the state it changes; the ones that
// make an item or the campaign final write their webhook events in the same transaction.
import { and, asc, count, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { CampaignItemStatus, CampaignSettings, CampaignStatus } from "@speaknode/contracts";
import { agents, campaignItems, campaigns, phoneNumbers, type Database } from "@speaknode/db";
import type { AgentRow } from "../../workers/src/agents/store.ts";
import { cancelModeOf, settingsOf } from "../../workers/src/campaigns/store.ts";
import { emitCampaignCompleted, emitItemsCompleted } from "../../workers/src/webhooks/events/campaign.ts";

export interface RunnerCampaign {
  id: string;
  spaceId: string;
  agentId: string;
  agentVersion: number | null;
  status: CampaignStatus;
  cancelMode: "finish" | "end_calls" | null;
  settings: CampaignSettings;
  endedAt: Date | null;
  /** When the row last changed (a pause by the runner is told apart from a member's by it). */
  updatedAt: Date;
}

const waitingStatuses = ["pending", "scheduled"] as const;
const openStatuses = ["pending", "scheduled", "in_progress"] as const;

export async function loadCampaign(db: Database, campaignId: string): Promise<RunnerCampaign | null> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!row) return null;
  return {
    id: row.id,
    spaceId: row.spaceId,
    agentId: row.agentId,
    agentVersion: row.agentVersion,
    status: row.status,
    cancelMode: cancelModeOf(row),
    settings: settingsOf(row),
    endedAt: row.endedAt,
    updatedAt: row.updatedAt,
  };
}

export async function loadAgentRow(db: Database, agentId: string): Promise<AgentRow | null> {
  const [row] = await db.select().from(agents).where(eq(agents.id, agentId));
  return row ?? null;
}

/** The caller numbers that still exist in the space, with the connection placing their calls. */
export async function callerNumbers(db: Database, spaceId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: phoneNumbers.id, connectionId: phoneNumbers.connectionId })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.spaceId, spaceId), inArray(phoneNumbers.id, ids)));
  return new Map(rows.map((r) => [r.id, r.connectionId]));
}

export interface DueItem {
  id: string;
  phone: string;
  variables: Record<string, string | number | boolean | null>;
  timeZone: string | null;
}

/** Items waiting whose time has come, the longest-waiting first (campaign_items_due_idx). */
export async function dueItems(db: Database, campaignId: string, now: number, limit: number): Promise<DueItem[]> {
  return db
    .select({ id: campaignItems.id, phone: campaignItems.phone, variables: campaignItems.variables, timeZone: campaignItems.timeZone })
    .from(campaignItems)
    .where(and(eq(campaignItems.campaignId, campaignId), inArray(campaignItems.status, [...waitingStatuses]), or(isNull(campaignItems.nextAttemptAt), lte(campaignItems.nextAttemptAt, new Date(now)))))
    .orderBy(sql`${campaignItems.nextAttemptAt} asc nulls first`, asc(campaignItems.rowNumber))
    .limit(limit);
}

/** Outside the calling window of `timeZone`: every due item read in that zone waits, scheduled at
 *  the window's opening (one statement, however many contacts share the zone). */
export async function deferZone(db: Database, campaignId: string, zone: { timeZone: string; isDefault: boolean }, atMs: number, now: number): Promise<number> {
  const inZone = zone.isDefault ? or(isNull(campaignItems.timeZone), eq(campaignItems.timeZone, zone.timeZone)) : eq(campaignItems.timeZone, zone.timeZone);
  const rows = await db
    .update(campaignItems)
    .set({ status: "scheduled", nextAttemptAt: new Date(atMs), updatedAt: new Date(now) })
    .where(
      and(
        eq(campaignItems.campaignId, campaignId),
        inArray(campaignItems.status, [...waitingStatuses]),
        or(isNull(campaignItems.nextAttemptAt), lte(campaignItems.nextAttemptAt, new Date(now))),
        inZone,
      ),
    )
    .returning({ id: campaignItems.id });
  return rows.length;
}

/** The earliest moment a waiting item becomes due (now for one with no time), null when none waits. */
export async function nextDueAt(db: Database, campaignId: string, now: number): Promise<number | null> {
  const [row] = await db
    .select({ anyNow: sql<boolean>`bool_or(${campaignItems.nextAttemptAt} is null)`, first: sql<string | null>`min(${campaignItems.nextAttemptAt})` })
    .from(campaignItems)
    .where(and(eq(campaignItems.campaignId, campaignId), inArray(campaignItems.status, [...waitingStatuses])));
  if (!row) return null;
  if (row.anyNow) return now;
  return row.first === null ? null : new Date(row.first).getTime();
}

/** Waiting items become final (endBy passed: skipped; the campaign cancelled: cancelled), each with
 *  its campaign.item.completed event in the same transaction: how many closed, and the events. */
export async function closeWaitingItems(db: Database, campaignId: string, status: "skipped" | "cancelled", reason: string): Promise<{ closed: number; eventIds: string[] }> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(campaignItems)
      .set({ status, nextAttemptAt: null, lastError: reason, updatedAt: new Date() })
      .where(and(eq(campaignItems.campaignId, campaignId), inArray(campaignItems.status, [...waitingStatuses])))
      .returning({ itemId: campaignItems.id, spaceId: campaignItems.spaceId, attempts: campaignItems.attempts, outcome: campaignItems.lastOutcome, sessionId: campaignItems.lastSessionId });
    const eventIds = await emitItemsCompleted(
      tx,
      rows.map((r) => ({ ...r, campaignId, status })),
      new Date(),
    );
    return { closed: rows.length, eventIds };
  });
}

/** running → completed when no item is waiting or in progress (checked in the same statement), with
 *  its campaign.completed event: null when it was not done, else the event's id (null if emitted before). */
export async function completeIfDone(db: Database, campaignId: string, now: number): Promise<{ eventId: string | null } | null> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(campaigns)
      .set({ status: "completed", endedAt: new Date(now), updatedAt: new Date(now), version: sql`${campaigns.version} + 1` })
      .where(
        and(
          eq(campaigns.id, campaignId),
          eq(campaigns.status, "running"),
          sql`not exists (select 1 from ${campaignItems} where ${campaignItems.campaignId} = ${campaigns.id} and ${inArray(campaignItems.status, [...openStatuses])})`,
        ),
      )
      .returning({ id: campaigns.id });
    if (rows.length !== 1) return null;
    return { eventId: await emitCampaignCompleted(tx, campaignId, "completed", new Date(now)) };
  });
}

/** The runner pauses a running campaign itself (the space's voice minutes are spent): true when
 *  this call moved it, false when it was no longer running. Resuming is the members' move. */
export async function pauseRunning(db: Database, campaignId: string, now: number): Promise<boolean> {
  const moved = await db
    .update(campaigns)
    .set({ status: "paused", version: sql`${campaigns.version} + 1`, updatedAt: new Date(now) })
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, "running")))
    .returning({ id: campaigns.id });
  return moved.length > 0;
}

/** A cancelled campaign's last call has ended: it has an end time (when it has none yet) and its
 *  campaign.completed event (status cancelled), in one transaction. The event's id, null if emitted before. */
export async function finishCancelled(db: Database, campaignId: string, now: number): Promise<string | null> {
  return db.transaction(async (tx) => {
    await tx
      .update(campaigns)
      .set({ endedAt: new Date(now), updatedAt: new Date(now) })
      .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, "cancelled"), isNull(campaigns.endedAt)));
    return emitCampaignCompleted(tx, campaignId, "cancelled", new Date(now));
  });
}

/** Items by status, in one grouped query (campaign_items_due_idx). */
export async function itemTotals(db: Database, campaignId: string): Promise<Record<CampaignItemStatus, number>> {
  const totals: Record<CampaignItemStatus, number> = { pending: 0, scheduled: 0, in_progress: 0, completed: 0, failed: 0, skipped: 0, cancelled: 0 };
  const rows = await db.select({ status: campaignItems.status, n: count() }).from(campaignItems).where(eq(campaignItems.campaignId, campaignId)).groupBy(campaignItems.status);
  for (const r of rows) totals[r.status] = Number(r.n);
  return totals;
}

export async function campaignStatusOf(db: Database, campaignId: string): Promise<CampaignStatus | null> {
  const [row] = await db.select({ status: campaigns.status }).from(campaigns).where(eq(campaigns.id, campaignId));
  return row?.status ?? null;
}
