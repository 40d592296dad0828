// One attempt's life in Postgres, each step a conditional write so a repeat (a duplicate alarm, a
// duplicate notice, a runner restarted after an eviction) changes nothing:
//   claim     item pending|scheduled → in_progress and a `created` attempt, in one transaction;
//   CAS       attempt created → dialing: only its winner may ask the provider for a call;
//   bind      the attempt's session, refused unless the attempt is still dialing (so a recovery
//             that already gave the attempt up wins over a late dial, which then places no call);
//   end       attempt → ended with its outcome, and the item's next step, in one transaction
//             (with the campaign.item.completed webhook event when that step is final).
import { and, asc, eq, inArray, isNull, lte, ne, or, sql } from "drizzle-orm";
import { newId, type CampaignOutcome, type CampaignSettings } from "@speaknode/contracts";
import { campaignAttempts, campaignItems, sessions, type Database } from "@speaknode/db";
import { decideNext } from "../../workers/src/campaigns/schedule.ts";
import { emitItemsCompleted } from "../../workers/src/webhooks/events/campaign.ts";

export const endByReason = "the campaign ended (endBy)";
export const cancelledReason = "the campaign was cancelled";

/** How long an item waits when its number is on another call of the campaign (allowDuplicates). */
export const numberBusyWaitMs = 30_000;

/** An attempt of the campaign not ended yet on the same number as the item row being updated. */
const numberOnCall = (campaignId: string) =>
  sql`exists (select 1 from ${campaignAttempts} a join ${campaignItems} other on other.id = a.item_id
    where a.campaign_id = ${campaignId} and a.state <> 'ended' and other.phone = ${campaignItems.phone})`;

export async function claimItem(db: Database, campaignId: string, itemId: string, phoneNumberId: string, now: number): Promise<{ attemptId: string; attemptNumber: number } | null> {
  return db.transaction(async (tx) => {
    const waiting = and(
      eq(campaignItems.id, itemId),
      eq(campaignItems.campaignId, campaignId),
      inArray(campaignItems.status, ["pending", "scheduled"]),
      or(isNull(campaignItems.nextAttemptAt), lte(campaignItems.nextAttemptAt, new Date(now))),
    );
    // A contact is never called twice at once: a number listed more than once (allowDuplicates)
    // is not dialled while another of its rows is on a call; that row waits a little instead.
    const [item] = await tx
      .update(campaignItems)
      .set({ status: "in_progress", attempts: sql`${campaignItems.attempts} + 1`, nextAttemptAt: null, updatedAt: new Date(now) })
      .where(and(waiting, sql`not ${numberOnCall(campaignId)}`))
      .returning({ attempts: campaignItems.attempts });
    if (!item) {
      await tx
        .update(campaignItems)
        .set({ status: "scheduled", nextAttemptAt: new Date(now + numberBusyWaitMs), updatedAt: new Date(now) })
        .where(and(waiting, numberOnCall(campaignId)));
      return null;
    }
    const attemptId = newId("campaignAttempt");
    // UNIQUE (item_id, attempt_number) backs the conditional update up.
    await tx.insert(campaignAttempts).values({ id: attemptId, campaignId, itemId, attemptNumber: item.attempts, state: "created", phoneNumberId, createdAt: new Date(now) });
    return { attemptId, attemptNumber: item.attempts };
  });
}

/** created → dialing; true only for the one caller that moved it. */
export async function casDialing(db: Database, attemptId: string, now: number): Promise<boolean> {
  const moved = await db
    .update(campaignAttempts)
    .set({ state: "dialing", dialedAt: new Date(now) })
    .where(and(eq(campaignAttempts.id, attemptId), eq(campaignAttempts.state, "created")))
    .returning({ id: campaignAttempts.id });
  return moved.length === 1;
}

export class AttemptGivenUp extends Error {
  override name = "AttemptGivenUp";
}

/** Links the session to its attempt; throws (so no call is placed) when the attempt is no longer dialing. */
export async function bindSession(db: Database, attemptId: string, sessionId: string): Promise<void> {
  const bound = await db
    .update(campaignAttempts)
    .set({ sessionId })
    .where(and(eq(campaignAttempts.id, attemptId), eq(campaignAttempts.state, "dialing"), or(isNull(campaignAttempts.sessionId), eq(campaignAttempts.sessionId, sessionId))))
    .returning({ itemId: campaignAttempts.itemId });
  const [row] = bound;
  if (!row) throw new AttemptGivenUp("the attempt is no longer dialing; its call is not placed");
  await db.update(campaignItems).set({ lastSessionId: sessionId }).where(eq(campaignItems.id, row.itemId));
}

/** An attempt not ended yet, with its item's number and the session created for it (if any). */
export interface OpenAttempt {
  attemptId: string;
  itemId: string;
  attemptNumber: number;
  state: "created" | "dialing";
  sessionId: string | null;
  phone: string;
  createdAt: number;
}

export async function openAttempts(db: Database, campaignId: string, attemptId?: string): Promise<OpenAttempt[]> {
  const rows = await db
    .select({
      attemptId: campaignAttempts.id,
      itemId: campaignAttempts.itemId,
      attemptNumber: campaignAttempts.attemptNumber,
      state: campaignAttempts.state,
      sessionId: sql<string | null>`coalesce(${campaignAttempts.sessionId}, ${sessions.id})`,
      phone: campaignItems.phone,
      createdAt: campaignAttempts.createdAt,
    })
    .from(campaignAttempts)
    .innerJoin(campaignItems, eq(campaignItems.id, campaignAttempts.itemId))
    .leftJoin(sessions, eq(sessions.campaignAttemptId, campaignAttempts.id))
    .where(and(eq(campaignAttempts.campaignId, campaignId), ne(campaignAttempts.state, "ended"), attemptId !== undefined ? eq(campaignAttempts.id, attemptId) : undefined))
    .orderBy(asc(campaignAttempts.createdAt));
  return rows.map((r) => ({ ...r, state: r.state === "created" ? "created" : "dialing", createdAt: r.createdAt.getTime() }));
}

export interface AttemptEnd {
  attemptId: string;
  outcome: CampaignOutcome;
  error: string | null;
  durationS: number | null;
  sessionId: string | null;
  /** The provider's Retry-After (ms) for a dial it refused. */
  retryAfterMs?: number | null;
  /** A refusal no retry can fix (an invalid destination, an unverified caller id): the item fails. */
  permanent?: boolean;
  /** Recovery of an attempt whose dial was interrupted: ends it only if no session was ever created for it. */
  onlyWithoutSession?: boolean;
}

export interface EndedAttempt {
  itemId: string;
  attemptNumber: number;
  sessionId: string | null;
  outcome: CampaignOutcome;
  itemStatus: "completed" | "failed" | "scheduled" | "skipped" | "cancelled";
  /** Webhook events written with the end (campaign.item.completed of a final item): announce after the commit. */
  eventIds: string[];
}

/** Ends the attempt and moves its item on, once: a repeat finds the attempt ended and returns null. */
export async function endAttempt(
  db: Database,
  campaign: { id: string; status: string; settings: CampaignSettings },
  end: AttemptEnd,
  now: number,
): Promise<EndedAttempt | null> {
  return db.transaction(async (tx) => {
    const noSession = end.onlyWithoutSession
      ? and(isNull(campaignAttempts.sessionId), sql`not exists (select 1 from ${sessions} where ${sessions.campaignAttemptId} = ${campaignAttempts.id})`)
      : undefined;
    const [attempt] = await tx
      .update(campaignAttempts)
      .set({ state: "ended", outcome: end.outcome, error: end.error?.slice(0, 500) ?? null, durationS: end.durationS, endedAt: new Date(now), sessionId: sql`coalesce(${campaignAttempts.sessionId}, ${end.sessionId})` })
      .where(and(eq(campaignAttempts.id, end.attemptId), ne(campaignAttempts.state, "ended"), noSession))
      .returning({ itemId: campaignAttempts.itemId, attemptNumber: campaignAttempts.attemptNumber, sessionId: campaignAttempts.sessionId });
    if (!attempt) return null;
    const history = await tx
      .select({ outcome: campaignAttempts.outcome })
      .from(campaignAttempts)
      .where(and(eq(campaignAttempts.itemId, attempt.itemId), eq(campaignAttempts.state, "ended")))
      .orderBy(asc(campaignAttempts.attemptNumber));
    const outcomes = history.map((h) => h.outcome as CampaignOutcome);
    const step = end.permanent ? ({ kind: "final", status: "failed" } as const) : decideNext(campaign.settings.retry, end.outcome, outcomes, now, end.retryAfterMs ?? null);
    const endBy = campaign.settings.endBy === null ? null : Date.parse(campaign.settings.endBy);
    let itemStatus: EndedAttempt["itemStatus"];
    let nextAttemptAt: Date | null = null;
    let lastError = end.outcome === "completed" ? null : end.error;
    if (step.kind === "final") itemStatus = step.status;
    else if (campaign.status === "cancelled") [itemStatus, lastError] = ["cancelled", cancelledReason];
    else if (endBy !== null && step.atMs >= endBy) [itemStatus, lastError] = ["skipped", endByReason];
    else [itemStatus, nextAttemptAt] = ["scheduled", new Date(step.atMs)];
    const [item] = await tx
      .update(campaignItems)
      .set({ status: itemStatus, nextAttemptAt, lastOutcome: end.outcome, lastError: lastError?.slice(0, 500) ?? null, lastSessionId: sql`coalesce(${attempt.sessionId}, ${campaignItems.lastSessionId})`, updatedAt: new Date(now) })
      .where(and(eq(campaignItems.id, attempt.itemId), eq(campaignItems.status, "in_progress")))
      .returning({ spaceId: campaignItems.spaceId, attempts: campaignItems.attempts });
    // The item's final status is a webhook event, written with it.
    const eventIds =
      item && itemStatus !== "scheduled"
        ? await emitItemsCompleted(
            tx,
            [{ itemId: attempt.itemId, campaignId: campaign.id, spaceId: item.spaceId, status: itemStatus, outcome: end.outcome, attempts: item.attempts, sessionId: attempt.sessionId }],
            new Date(now),
          )
        : [];
    return { itemId: attempt.itemId, attemptNumber: attempt.attemptNumber, sessionId: attempt.sessionId, outcome: end.outcome, itemStatus, eventIds };
  });
}
