// The CSV export of a campaign's items, streamed: the header, then keyset pages of rows as the
// client reads them, on a database connection of the stream's own (the request's closes when the
// response starts). RFC 4180: CRLF line ends, a cell quoted when it holds a comma, quote, CR or
// LF. Cells are written by people (variables) or providers (errors), so a text cell a spreadsheet
// would run as a formula (starting with = + - @, tab or CR) is prefixed with a quote; the phone
// column is E.164 checked on upload and left as it is.
import { sql } from "drizzle-orm";
import type { Database } from "@speaknode/db";
import { analysisStatusOf } from "../analysis/serialize.ts";
import { itemAnalyses, itemsPage, type ItemAnalysisRow, type ItemCursor } from "./items.ts";
import type { CampaignItemRow, CampaignRow } from "./store.ts";

export const exportPageSize = 1000;

const fixedColumns = [
  "row", "phone", "status", "attempts", "last_outcome", "last_error", "last_session_id", "session_url",
  "analysis_status", "analysis_passed", "analysis_score", "analysis_summary",
] as const;

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

/** The analysis cells of an item's latest session: status, passed, score, summary, then the data fields' values. */
export function analysisCells(analysis: ItemAnalysisRow | undefined, dataFields: readonly string[]): string[] {
  if (!analysis) return ["", "", "", "", ...dataFields.map(() => "")];
  const result = analysis.analysisResult;
  const summary = result && typeof result["summary"] === "string" ? result["summary"] : null;
  const data = result && isRecord(result["data"]) ? result["data"] : {};
  return [
    csvCell(analysisStatusOf(analysis)),
    csvCell(analysis.analysisPassed),
    csvCell(analysis.analysisScore),
    csvCell(summary),
    ...dataFields.map((f) => dataCell(data[f])),
  ];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function dataCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return csvCell(v);
  return csvCell(JSON.stringify(v));
}

export interface ItemLineOptions {
  variableNames: readonly string[];
  dataFields: readonly string[];
  sessionUrl: (sessionId: string) => string;
  analysis?: ItemAnalysisRow | undefined;
}

export function itemLine(item: CampaignItemRow, o: ItemLineOptions): string {
  const { variableNames, sessionUrl } = o;
  return csvLine([
    csvCell(item.rowNumber),
    csvCell(item.phone, false),
    csvCell(item.status),
    csvCell(item.attempts),
    csvCell(item.lastOutcome),
    csvCell(item.lastError),
    csvCell(item.lastSessionId),
    csvCell(item.lastSessionId ? sessionUrl(item.lastSessionId) : null),
    ...analysisCells(o.analysis, o.dataFields),
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
  let dataFields: string[] = [];
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
          // Every structured data field the campaign's analyses extracted (settings may have changed mid-campaign).
          const fields = await db.execute<{ key: string }>(
            sql`select distinct jsonb_object_keys(analysis_result->'data') as key from sessions where campaign_id = ${opts.campaign.id} and jsonb_typeof(analysis_result->'data') = 'object' order by 1`,
          );
          dataFields = fields.rows.map((r) => r.key);
          const header = [...fixedColumns, ...dataFields.map((f) => `data.${f}`), ...variableHeaders(names)];
          controller.enqueue(encoder.encode(csvLine(header.map((h) => csvCell(h)))));
          return;
        }
        const rows = await itemsPage(db, opts.campaign.id, {}, after, pageSize);
        const last = rows.at(-1);
        if (rows.length > 0) {
          const analyses = await itemAnalyses(db, rows);
          const lines = rows.map((r) => itemLine(r, { variableNames: names ?? [], dataFields, sessionUrl: opts.sessionUrl, analysis: r.lastSessionId ? analyses.get(r.lastSessionId) : undefined }));
          controller.enqueue(encoder.encode(lines.join("")));
        }
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
