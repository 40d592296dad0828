// Idempotency of inbound routes: one claim per (route, key) taken before the action runs, its result
// stored after, so the same request sent again (a sender's retry, a replay) answers what the first
// one started and starts nothing. The key is the request's `webhook-id`, else its `Idempotency-Key`,
// else the mapping's pointer into the body; without one there is no de-duplication. A claim with
// no result is a request still running (the second gets a 409); a failed action deletes its claim
// so the sender's retry can try again; so does one left without a result for staleClaimMs (the
// Worker stopped mid-action), rather than refusing that key for ever. A dispatch's answer holds media and events tokens: it is
// stored sealed (AES-GCM, bound to the route and key), never as plain text.
import { and, eq, isNull, lt } from "drizzle-orm";
import { z } from "zod";
import { DispatchedSession, text } from "@speaknode/contracts";
import { inboundRouteClaims, type Database } from "@speaknode/db";
import { decryptJson, encryptJson } from "../../lib/secrets.ts";
import { maxIdempotencyKey } from "./mapping.ts";

/** What an action started: what a replay answers. */
export interface ClaimResult {
  /** dispatch: the session as the sessions API answers it. */
  sessionId: string | null;
  itemId: string | null;
  joinUrl: string | null;
  dispatched: z.infer<typeof DispatchedSession> | null;
  /** The log row of the request that started it. */
  logId: string;
}

export type Claim = { kind: "claimed" } | { kind: "done"; result: ClaimResult } | { kind: "in_flight"; logId: string | null };

const Stored = z.object({ sessionId: text().nullable(), itemId: text().nullable(), sealed: text().nullable() });
const Sealed = z.object({ joinUrl: text().nullable(), dispatched: DispatchedSession.nullable() });

/** Longer than any action takes (placing a call waits on the provider for at most seconds). */
export const staleClaimMs = 2 * 60_000;

const sealContext = (routeId: string, key: string) => `inbound-claim:${routeId}:${key}`;

/** The request's idempotency key from its headers (null: none; the mapping may name one in the body). */
export function headerKeyOf(headers: Headers): string | null {
  const key = (headers.get("webhook-id") ?? headers.get("idempotency-key"))?.trim();
  return key ? key.slice(0, maxIdempotencyKey) : null;
}

/** Claims (route, key) for the request logged as `logId`, or says who has it. */
export async function claim(db: Database, secretsKey: string, routeId: string, key: string, logId: string): Promise<Claim> {
  const [taken] = await db.insert(inboundRouteClaims).values({ routeId, dedupeKey: key, logId }).onConflictDoNothing().returning({ routeId: inboundRouteClaims.routeId });
  if (taken) return { kind: "claimed" };
  const [row] = await db.select().from(inboundRouteClaims).where(and(eq(inboundRouteClaims.routeId, routeId), eq(inboundRouteClaims.dedupeKey, key)));
  // Released between the insert and the read (the first request's action failed): try once more.
  if (!row) return claimAgain(db, routeId, key, logId);
  if (row.result === null) {
    if (Date.now() - row.createdAt.getTime() < staleClaimMs) return { kind: "in_flight", logId: row.logId };
    const freed = await db
      .delete(inboundRouteClaims)
      .where(and(eq(inboundRouteClaims.routeId, routeId), eq(inboundRouteClaims.dedupeKey, key), isNull(inboundRouteClaims.result), lt(inboundRouteClaims.createdAt, new Date(Date.now() - staleClaimMs))))
      .returning({ routeId: inboundRouteClaims.routeId });
    return freed.length > 0 ? claimAgain(db, routeId, key, logId) : { kind: "in_flight", logId: row.logId };
  }
  const stored = Stored.parse(row.result);
  const sealed = stored.sealed === null ? { joinUrl: null, dispatched: null } : Sealed.parse(await decryptJson(secretsKey, stored.sealed, sealContext(routeId, key)));
  return { kind: "done", result: { sessionId: stored.sessionId, itemId: stored.itemId, ...sealed, logId: row.logId ?? logId } };
}

async function claimAgain(db: Database, routeId: string, key: string, logId: string): Promise<Claim> {
  const [taken] = await db.insert(inboundRouteClaims).values({ routeId, dedupeKey: key, logId }).onConflictDoNothing().returning({ routeId: inboundRouteClaims.routeId });
  return taken ? { kind: "claimed" } : { kind: "in_flight", logId: null };
}

/** Stores what the claimed request started. */
export async function completeClaim(db: Database, secretsKey: string, routeId: string, key: string, result: Omit<ClaimResult, "logId">): Promise<void> {
  const sealed = result.joinUrl === null && result.dispatched === null ? null : await encryptJson(secretsKey, { joinUrl: result.joinUrl, dispatched: result.dispatched }, sealContext(routeId, key));
  const stored: z.infer<typeof Stored> = { sessionId: result.sessionId, itemId: result.itemId, sealed };
  await db.update(inboundRouteClaims).set({ result: stored }).where(and(eq(inboundRouteClaims.routeId, routeId), eq(inboundRouteClaims.dedupeKey, key)));
}

/** Frees a claim whose action did not start anything, so the sender's retry can. */
export async function releaseClaim(db: Database, routeId: string, key: string): Promise<void> {
  await db.delete(inboundRouteClaims).where(and(eq(inboundRouteClaims.routeId, routeId), eq(inboundRouteClaims.dedupeKey, key), isNull(inboundRouteClaims.result)));
}
