// The CSV export of a campaign's items, streamed: the header, then keyset pages of rows as the
// client reads them, on a database connection of the stream's own (the request's closes when the
// response starts). RFC 4180: CRLF line ends, a cell quoted when it holds a comma, quote, CR or
// LF. Cells are written by people (variables) or providers (errors), so a text cell a spreadsheet
// would run as a formula (starting with = + - @, tab or CR) is prefixed with a quote; the phone
// column is E.164 checked on upload and left as it is.
import { sql } from "drizzle-orm";
import type { Database } from "@speaknode/db";
import { itemsPage, type ItemCursor } from "./items.ts";
import type { CampaignItemRow, CampaignRow } from "./store.ts";

export const exportPageSize = 1000;

const fixedColumns = ["row", "phone", "status", "attempts", "last_outcome", "last_error", "last_session_id", "session_url"] as const;

type Cell = string | number | boolean | null | undefined;

/** A text cell made inert for spreadsheets. */
export function guardFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function csvCell(value: Cell, guard = true): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? (guard ? guardFormula(value) : value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: string[]): string => `${cells.join(",")}\r\n`;

/** Header names of the variables: the variable's own name unless a fixed column has it. */
export function variableHeaders(names: readonly string[]): string[] {
  return names.map((n) => ((fixedColumns as readonly string[]).includes(n) ? `variables.${n}` : n));
}

export function itemLine(item: CampaignItemRow, variableNames: readonly string[], sessionUrl: (sessionId: string) => string): string {
  return csvLine([
    csvCell(item.rowNumber),
    csvCell(item.phone, false),
    csvCell(item.status),
    csvCell(item.attempts),
    csvCell(item.lastOutcome),
    csvCell(item.lastError),
    csvCell(item.lastSessionId),
    csvCell(item.lastSessionId ? sessionUrl(item.lastSessionId) : null),
    ...variableNames.map((n) => csvCell(item.variables[n])),
  ]);
}

export interface ExportOptions {
  /** Opens the stream's own connection; closed when the stream ends, fails or is cancelled. */
  open: () => { db: Database; close: () => Promise<void> };
  campaign: Pick<CampaignRow, "id" | "spaceId">;
  /** The dashboard's page of a session (recording, transcript). */
  sessionUrl: (sessionId: string) => string;
  pageSize?: number;
}

export function exportItemsCsv(opts: ExportOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pageSize = opts.pageSize ?? exportPageSize;
  let handle: ReturnType<ExportOptions["open"]> | null = null;
  let names: string[] | null = null;
  let after: ItemCursor | null = null;
  const close = async () => {
    const h = handle;
    handle = null;
    await h?.close().catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        handle ??= opts.open();
        const db = handle.db;
        if (names === null) {
          // Every variable any item has, in name order: the header must be known before the first row.
          const keys = await db.execute<{ key: string }>(sql`select distinct jsonb_object_keys(variables) as key from campaign_items where campaign_id = ${opts.campaign.id} order by 1`);
          names = keys.rows.map((r) => r.key);
          controller.enqueue(encoder.encode(csvLine([...fixedColumns, ...variableHeaders(names)].map((h) => csvCell(h)))));
          return;
        }
        const rows = await itemsPage(db, opts.campaign.id, {}, after, pageSize);
        const last = rows.at(-1);
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map((r) => itemLine(r, names ?? [], opts.sessionUrl)).join("")));
        if (!last || rows.length < pageSize) {
          await close();
          controller.close();
          return;
        }
        after = { rowNumber: last.rowNumber, id: last.id };
      } catch (err) {
        await close();
        controller.error(err);
      }
    },
    async cancel() {
      await close();
    },
  });
}
