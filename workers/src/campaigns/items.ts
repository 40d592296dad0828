// Reading a campaign's items: the filters of the items page and the keyset cursor both the page and
// the CSV export walk (row number, then id: row numbers continue across uploads but nothing in the
// schema makes them unique).
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { CampaignItemStatus, CampaignOutcome } from "@speaknode/contracts";
import { campaignItems, sessions, type Database } from "@speaknode/db";
import { analysisColumns } from "../analysis/serialize.ts";
import { ApiError } from "../errors.ts";
import type { CampaignItemRow } from "./store.ts";

export interface ItemFilters {
  status?: CampaignItemStatus | undefined;
  outcome?: CampaignOutcome | undefined;
  /** Digits (a leading + allowed) found anywhere in the E.164 number. */
  phone?: string | undefined;
}

export interface ItemCursor {
  rowNumber: number;
  id: string;
}

export const encodeCursor = (row: ItemCursor): string => `${row.rowNumber}.${row.id}`;

export function decodeCursor(cursor: string): ItemCursor {
  const m = /^(\d{1,9})\.(cit_[0-9a-hjkmnp-tv-z]{26})$/.exec(cursor);
  if (!m?.[1] || !m[2]) throw new ApiError("validation_failed", "the cursor is not one this API gave", { errors: [{ field: "query.cursor", message: "must be a nextCursor of a previous page" }] });
  return { rowNumber: Number(m[1]), id: m[2] };
}

/** One page of items after `after`, in row order. */
export async function itemsPage(db: Database, campaignId: string, filters: ItemFilters, after: ItemCursor | null, limit: number): Promise<CampaignItemRow[]> {
  const digits = filters.phone?.replace(/^\+/, "");
  const where: (SQL | undefined)[] = [
    eq(campaignItems.campaignId, campaignId),
    filters.status ? eq(campaignItems.status, filters.status) : undefined,
    filters.outcome ? eq(campaignItems.lastOutcome, filters.outcome) : undefined,
    // Digits only (the query schema says so), so nothing in it is a LIKE wildcard.
    digits ? sql`${campaignItems.phone} like ${`%${digits}%`}` : undefined,
    after ? sql`(${campaignItems.rowNumber}, ${campaignItems.id}) > (${after.rowNumber}, ${after.id})` : undefined,
  ];
  return db
    .select()
    .from(campaignItems)
    .where(and(...where))
    .orderBy(asc(campaignItems.rowNumber), asc(campaignItems.id))
    .limit(limit);
}

/** The analysis columns of a session the items show (their latest session's). */
export type ItemAnalysisRow = Pick<
  typeof sessions.$inferSelect,
  "id" | "analysisStatus" | "analysisReason" | "analysisResult" | "analysisPassed" | "analysisScore" | "analysisAttempts" | "analysisModel" | "analyzedAt"
>;

/** The latest sessions' analyses of a page of items, by session id (one query per page, not per item). */
export async function itemAnalyses(db: Database, items: readonly Pick<CampaignItemRow, "lastSessionId">[]): Promise<Map<string, ItemAnalysisRow>> {
  const ids = [...new Set(items.flatMap((i) => (i.lastSessionId ? [i.lastSessionId] : [])))];
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({
      id: sessions.id,
      ...analysisColumns,
    })
    .from(sessions)
    .where(inArray(sessions.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}
