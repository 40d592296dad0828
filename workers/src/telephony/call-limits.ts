// Concurrent-call limits, shared by outbound calls (API and campaigns) and inbound answers: a
// number holds at most its maxConcurrentCalls live sessions, a space at most its own
// maxConcurrentCalls live phone sessions over every number and campaign. Admission counts the live
// sessions (two indexed counts, one round trip); after the session is created, the re-check counts
// only those created before it (ids are time-ordered), so of requests racing for the last slot the
// first created keeps it and the later ones fail their own session before any call is placed.
import { and, count, eq, inArray, lt, sql } from "drizzle-orm";
import { phoneNumbers, sessions, spaces, type Database } from "@speaknode/db";
import { countryOf, destinationAllowed } from "@speaknode/phone";
import { ApiError } from "../errors.ts";

export type PhoneNumberRow = typeof phoneNumbers.$inferSelect;

/** Retry-After when a number or space is at its concurrent-call limit: calls last minutes, not seconds. */
export const busyRetryAfterS = 30;

/** Statuses in which a session holds one of its number's (and space's) concurrent calls. */
export const liveStatuses = ["pending", "dispatching", "active"] as const;

/** Only phone sessions have a direction (sessions_space_direction_status_idx). */
const phoneDirections = ["inbound", "outbound"] as const;

const createdBefore = (before: string | undefined) => (before !== undefined ? sql` and ${lt(sessions.id, before)}` : sql``);

/** SQL count of the number's live sessions (sessions_phone_number_status_idx); with `before`, only
 *  those created before that session. */
export function numberLiveCallsSql(phoneNumberId: unknown, before?: string) {
  return sql<number>`(select count(*)::int from ${sessions} where ${sessions.phoneNumberId} = ${phoneNumberId} and ${inArray(sessions.status, [...liveStatuses])}${createdBefore(before)})`;
}

/** SQL count of the space's live phone sessions (sessions_space_direction_status_idx). */
export function spaceLiveCallsSql(spaceId: unknown, before?: string) {
  return sql<number>`(select count(*)::int from ${sessions} where ${sessions.spaceId} = ${spaceId} and ${inArray(sessions.direction, [...phoneDirections])} and ${inArray(sessions.status, [...liveStatuses])}${createdBefore(before)})`;
}

/** Sessions holding one of the number's calls right now; with `before`, those created before it. */
export async function liveCallsOn(db: Database, phoneNumberId: string, before?: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(sessions).where(and(eq(sessions.phoneNumberId, phoneNumberId), inArray(sessions.status, [...liveStatuses]), before !== undefined ? lt(sessions.id, before) : undefined));
  return row?.n ?? 0;
}

/** The number's and its space's live calls and the space's limit, in one round trip. */
async function liveCounts(db: Database, number: PhoneNumberRow, before?: string): Promise<{ numberLive: number; spaceLive: number; spaceMax: number }> {
  const [row] = await db
    .select({ spaceMax: spaces.maxConcurrentCalls, spaceLive: spaceLiveCallsSql(number.spaceId, before), numberLive: numberLiveCallsSql(number.id, before) })
    .from(spaces)
    .where(eq(spaces.id, number.spaceId));
  // A deleted space places no calls: treat it as full rather than unlimited.
  return { numberLive: Number(row?.numberLive ?? 0), spaceLive: Number(row?.spaceLive ?? 0), spaceMax: row?.spaceMax ?? 0 };
}

/** A refusal for the caller, and the reason a session created past the limit fails with. */
export interface LimitRefusal {
  error: ApiError;
  reason: string;
}

function limitRefusal(number: PhoneNumberRow, counts: { numberLive: number; spaceLive: number; spaceMax: number }): LimitRefusal | null {
  if (counts.numberLive >= number.maxConcurrentCalls) return { error: numberBusy(counts.numberLive, number.maxConcurrentCalls), reason: "the number was at its concurrent-call limit" };
  if (counts.spaceLive >= counts.spaceMax) return { error: spaceBusy(counts.spaceLive, counts.spaceMax), reason: "the space was at its concurrent-call limit" };
  return null;
}

export function numberBusy(live: number, max: number): ApiError {
  return new ApiError("rate_limited", `the number already has ${live} of its ${max} concurrent calls (maxConcurrentCalls); try again when one ends`, {
    headers: { "retry-after": String(busyRetryAfterS) },
  });
}

export function spaceBusy(live: number, max: number): ApiError {
  return new ApiError("rate_limited", `the space already has ${live} of its ${max} concurrent calls (the space's maxConcurrentCalls, over all its numbers and campaigns); try again when one ends`, {
    headers: { "retry-after": String(busyRetryAfterS) },
  });
}

/** The number's outbound rules for this destination (allowed country, a free call slot) and a
 *  free call slot of its space. */
export async function admitOutbound(db: Database, number: PhoneNumberRow, to: string): Promise<void> {
  if (!destinationAllowed(to, number.allowedCountries)) {
    const country = countryOf(to);
    const allowed = number.allowedCountries.length > 0 ? `only ${number.allowedCountries.join(", ")}` : "no country (its list is empty)";
    throw new ApiError(
      "destination_not_allowed",
      `the number's allowed destination countries (allowedCountries) permit ${allowed}; the destination is ${country ? `in ${country}` : "in a country that cannot be told from the number"}`,
    );
  }
  const refusal = limitRefusal(number, await liveCounts(db, number));
  if (refusal) throw refusal.error;
}

/** After the session exists: the refusal when sessions created before it already fill the
 *  number's or the space's slots, else null. */
export async function callsAhead(db: Database, number: PhoneNumberRow, sessionId: string): Promise<LimitRefusal | null> {
  return limitRefusal(number, await liveCounts(db, number, sessionId));
}
