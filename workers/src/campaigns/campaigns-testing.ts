// Test helpers for the campaign routes (workerd only): a world with a Twilio number imported (the
// in-memory fake; undo with vi.unstubAllGlobals()), a draft made through the API, and items and
// attempts written straight to Postgres (the contacts upload and the runner are tested on their own).
import { eq, sql } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { campaignAttempts, campaignItems, campaigns } from "@speaknode/db";
import { call, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { connectAccount, importNumbers, stubTwilio } from "../telephony/connections-testing.ts";

export interface CampaignWorld extends World {
  numberId: string;
  otherNumberId: string;
}

/** A world whose space and the other space each have one imported Twilio number. */
export async function campaignWorld(): Promise<CampaignWorld> {
  const w = await makeWorld();
  const twilio = stubTwilio();
  const ours = await connectAccount(w, twilio);
  const [numberId = ""] = await importNumbers(w, ours.connectionId, [twilio.addNumber(ours.accountSid).sid]);
  const foreign = { ...w, spaceId: w.otherSpaceId, owner: w.outsider };
  const theirs = await connectAccount(foreign, twilio);
  const [otherNumberId = ""] = await importNumbers(foreign, theirs.connectionId, [twilio.addNumber(theirs.accountSid).sid]);
  return { ...w, numberId, otherNumberId };
}

export const mapping = { phoneColumn: "phone", variables: { customer_name: "name", order_id: "order" }, timeZoneColumn: null };

export async function createDraft(w: CampaignWorld, extra: Record<string, unknown> = {}): Promise<Record<string, unknown> & { id: string }> {
  const res = await call("POST", `/v1/spaces/${w.spaceId}/campaigns`, { token: w.member.token, json: { name: "Spring renewals", agentId: w.agentId, callerNumberIds: [w.numberId], ...extra } });
  if (res.status !== 201) throw new Error(`creating the campaign failed: ${res.status} ${res.text}`);
  return res.body as Record<string, unknown> & { id: string };
}

export async function publishAgent(w: World): Promise<void> {
  const res = await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: {} });
  if (res.status !== 200) throw new Error(`publishing failed: ${res.status} ${res.text}`);
}

export interface ItemSeed {
  phone?: string;
  status?: typeof campaignItems.$inferInsert.status;
  lastOutcome?: string | null;
  lastError?: string | null;
  lastSessionId?: string | null;
  attempts?: number;
  variables?: Record<string, string | number | boolean | null>;
}

/** Items appended after the campaign's last row number; the campaign's item_count kept exact. Returns their ids. */
export async function insertItems(campaignId: string, spaceId: string, seeds: ItemSeed[]): Promise<string[]> {
  return withDb(async (db) => {
    const [last] = await db.select({ n: sql<number>`coalesce(max(${campaignItems.rowNumber}), 0)::int` }).from(campaignItems).where(eq(campaignItems.campaignId, campaignId));
    const start = Number(last?.n ?? 0);
    const rows = seeds.map((s, i) => ({
      id: newId("campaignItem"),
      campaignId,
      spaceId,
      rowNumber: start + i + 1,
      phone: s.phone ?? `+1415555${String(1000 + start + i).padStart(4, "0")}`,
      variables: s.variables ?? { customer_name: `Contact ${start + i + 1}`, order_id: start + i + 1 },
      status: s.status ?? "pending",
      attempts: s.attempts ?? 0,
      lastOutcome: s.lastOutcome ?? null,
      lastError: s.lastError ?? null,
      lastSessionId: s.lastSessionId ?? null,
    }));
    for (let i = 0; i < rows.length; i += 1000) await db.insert(campaignItems).values(rows.slice(i, i + 1000));
    await db.update(campaigns).set({ itemCount: sql`${campaigns.itemCount} + ${rows.length}` }).where(eq(campaigns.id, campaignId));
    return rows.map((r) => r.id);
  });
}

export async function insertAttempt(campaignId: string, itemId: string, attempt: { attemptNumber: number; outcome?: string | null; durationS?: number | null; sessionId?: string | null; state?: string }): Promise<string> {
  const id = newId("campaignAttempt");
  await withDb((db) =>
    db.insert(campaignAttempts).values({
      id,
      campaignId,
      itemId,
      attemptNumber: attempt.attemptNumber,
      state: attempt.state ?? "ended",
      outcome: attempt.outcome ?? null,
      durationS: attempt.durationS ?? null,
      sessionId: attempt.sessionId ?? null,
      endedAt: attempt.state === "ended" || attempt.state === undefined ? new Date() : null,
    }),
  );
  return id;
}

/** Sets the campaign's status directly (a state only the runner reaches, or a test shortcut). */
export async function setStatus(campaignId: string, status: typeof campaigns.$inferInsert.status): Promise<void> {
  await withDb((db) => db.update(campaigns).set({ status }).where(eq(campaigns.id, campaignId)));
}
