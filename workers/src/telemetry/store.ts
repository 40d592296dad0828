// Writing telemetry to Postgres. All spans of a consumer batch go in ONE statement: the rows travel
// as a single jsonb parameter expanded by jsonb_to_recordset, so there is no bind-parameter limit
// to chunk around, and the session's space and agent are joined in the same statement.
// ON CONFLICT (trace_id, span_id) DO NOTHING makes a redelivered batch change nothing.
import { sql } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import type { Database } from "@speaknode/db";
import { sessions, spans, telemetryDeadLetters } from "@speaknode/db";
import type { JsonValue } from "./attributes.ts";
import { storableString, truncate } from "./attributes.ts";
import type { SpanGroup } from "@speaknode/contracts";

interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  session_id: string | null;
  name: string;
  kind: number;
  start_ns: string;
  end_ns: string;
  status_code: number;
  status_message: string | null;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: unknown[];
}

export function spanRows(groups: SpanGroup[]): SpanRow[] {
  const rows: SpanRow[] = [];
  for (const g of groups) {
    for (const s of g.spans) {
      rows.push({
        trace_id: s.traceId,
        span_id: s.spanId,
        parent_span_id: s.parentSpanId,
        session_id: s.sessionId,
        name: s.name,
        kind: s.kind,
        start_ns: s.startTimeUnixNano,
        end_ns: s.endTimeUnixNano,
        status_code: s.statusCode,
        status_message: s.statusMessage,
        attributes: s.attributes,
        resource: g.resource,
        events: s.events,
      });
    }
  }
  return rows;
}

export interface InsertResult {
  /** Rows new to the table (duplicates of stored spans are not counted). */
  inserted: number;
  /** Sessions that got new spans and have ended (completed or failed). */
  endedSessionIds: string[];
}

/** Inserts the spans in one statement; returns how many were new and which ended sessions they touched. */
export async function insertSpans(db: Database, groups: SpanGroup[]): Promise<InsertResult> {
  const rows = spanRows(groups);
  if (rows.length === 0) return { inserted: 0, endedSessionIds: [] };
  const result = await db.execute<{ session_id: string | null; ended: boolean; n: number }>(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        trace_id text, span_id text, parent_span_id text, session_id text, name text, kind smallint,
        start_ns bigint, end_ns bigint, status_code smallint, status_message text,
        attributes jsonb, resource jsonb, events jsonb)
    ), inserted as (
      insert into ${spans} (trace_id, span_id, parent_span_id, session_id, space_id, agent_id, name, kind,
        start_time_unix_nano, end_time_unix_nano, status_code, status_message, attributes, resource, events)
      select i.trace_id, i.span_id, i.parent_span_id, i.session_id, s.space_id, s.agent_id, i.name, i.kind,
        i.start_ns, i.end_ns, i.status_code, i.status_message, i.attributes, i.resource, i.events
      from input i left join ${sessions} s on s.id = i.session_id
      on conflict (trace_id, span_id) do nothing
      returning session_id
    )
    select i.session_id, coalesce(s.status in ('completed', 'failed'), false) as ended, count(*)::int as n
    from inserted i left join ${sessions} s on s.id = i.session_id
    group by i.session_id, s.status`);
  let inserted = 0;
  const endedSessionIds: string[] = [];
  for (const row of result.rows) {
    inserted += Number(row.n);
    if (row.ended && row.session_id) endedSessionIds.push(row.session_id);
  }
  return { inserted, endedSessionIds };
}

export interface DeadLetterInput {
  queue: string;
  messageId: string;
  body: unknown;
  error: string | null;
  attempts: number;
}

/** Stores dead letters in one statement; a message id already stored is skipped. */
export async function insertDeadLetters(db: Database, letters: DeadLetterInput[]): Promise<number> {
  if (letters.length === 0) return 0;
  const stored = await db
    .insert(telemetryDeadLetters)
    .values(
      letters.map((l) => ({
        id: newId("deadLetter"),
        queue: truncate(l.queue, 100),
        messageId: truncate(l.messageId, 200),
        body: storableJson(l.body, 0),
        error: l.error === null ? null : truncate(storableString(l.error), 2000),
        attempts: l.attempts,
      })),
    )
    .onConflictDoNothing({ target: telemetryDeadLetters.messageId })
    .returning({ id: telemetryDeadLetters.id });
  return stored.length;
}

/** Any JSON-ish value made storable in jsonb (NULs and lone surrogates replaced, depth bounded). */
export function storableJson(value: unknown, depth: number): JsonValue {
  if (typeof value === "string") return storableString(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean" || value === null) return value;
  if (depth > 32) return "(nested too deep)";
  if (Array.isArray(value)) return value.map((v) => storableJson(v, depth + 1));
  if (typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[storableString(k)] = storableJson(v, depth + 1);
    return out;
  }
  return value === undefined ? null : String(value);
}
