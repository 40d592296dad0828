// Reading the inbound webhook log: a space's provider and route requests, or the platform Admin's
// view of all of them (or only those no space was found for), newest first, a page at a time.
// Rows are written by telephony/webhook-log.ts, billing/lago/webhooks.ts and the inbound routes.
import { and, desc, eq, gte, isNull, lt, type SQL } from "drizzle-orm";
import type { InboundLogEntry } from "@speaknode/contracts";
import { inboundWebhookLog, type Database } from "@speaknode/db";
import { idCursor } from "../lib/id-cursor.ts";
import type { WebhookLogRow } from "../telephony/webhook-log.ts";

export interface InboundLogQuery {
  provider?: string | undefined;
  outcome?: WebhookLogRow["outcome"] | undefined;
  routeId?: string | undefined;
  since?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Whose rows: one space's, every row (platform Admin), or only the rows with no space. */
export type InboundLogScope = { spaceId: string } | { all: true } | { spaceless: true };


const logCursor = idCursor("log", "webhookLog");

/** One page of the log, newest first, and the cursor of the next page (null on the last). */
export async function listInboundLog(db: Database, scope: InboundLogScope, q: InboundLogQuery): Promise<{ data: InboundLogEntry[]; nextCursor: string | null }> {
  const t = inboundWebhookLog;
  const where: (SQL | undefined)[] = [
    "spaceId" in scope ? eq(t.spaceId, scope.spaceId) : "spaceless" in scope ? isNull(t.spaceId) : undefined,
    q.provider ? eq(t.provider, q.provider as WebhookLogRow["provider"]) : undefined,
    q.outcome ? eq(t.outcome, q.outcome) : undefined,
    q.routeId ? eq(t.routeId, q.routeId) : undefined,
    q.since ? gte(t.receivedAt, new Date(q.since)) : undefined,
    q.cursor ? lt(t.id, logCursor.decode(q.cursor)) : undefined,
  ];
  const rows = await db
    .select()
    .from(t)
    .where(and(...where))
    .orderBy(desc(t.id))
    .limit(q.limit + 1);
  const page = logCursor.page(rows, q.limit);
  return { data: page.rows.map(toInboundLogEntry), nextCursor: page.nextCursor };
}

/** The API shape of one row; processingMs is how long the request took to reach its outcome. */
export function toInboundLogEntry(row: WebhookLogRow): InboundLogEntry {
  return {
    id: row.id,
    provider: row.provider,
    kind: row.kind,
    spaceId: row.spaceId,
    connectionId: row.connectionId,
    routeId: row.routeId,
    sessionId: row.sessionId,
    method: row.method,
    url: row.url,
    headers: row.headers,
    params: row.params,
    payload: row.payload ?? null,
    signatureValid: row.signatureValid,
    outcome: row.outcome,
    routing: row.routing,
    detail: row.detail,
    receivedAt: row.receivedAt.toISOString(),
    processedAt: row.processedAt ? row.processedAt.toISOString() : null,
    processingMs: row.processedAt ? Math.max(0, row.processedAt.getTime() - row.receivedAt.getTime()) : null,
  };
}
