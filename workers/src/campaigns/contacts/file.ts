// Reading an uploaded contacts file into a table (column names + rows of cells) without holding
// the CSV as one string: the body streams through a byte counter into csv-parse's WHATWG
// TransformStream (csv-parse/stream), one record at a time. JSON (an array of flat objects) is
// read whole, under the same byte limit, since JSON.parse has no streaming form.
import { Buffer } from "node:buffer";
import { parse as csvParser } from "csv-parse/stream";

/** Largest body accepted, CSV or JSON. */
export const contactsMaxBytes = 20 * 1024 * 1024;
/** The header line must end within this many bytes (it also decides the separator). */
const headerMaxBytes = 64 * 1024;
const maxColumns = 500;

/** Why a file was refused as a whole; the route maps `kind` to 413, 400 or 422. */
export class ContactsFileError extends Error {
  readonly kind: "too_large" | "malformed" | "unprocessable";
  constructor(kind: ContactsFileError["kind"], message: string) {
    super(message);
    this.name = "ContactsFileError";
    this.kind = kind;
  }
}

export type Cell = string | number | boolean | null | undefined;

/** One row: its cells in column order, or why it cannot be read at all (a JSON item that is not a flat object). */
export type TableRow = { cells: readonly Cell[]; problem?: { field: string | null; reason: string } };

export interface ContactsTable {
  format: "csv" | "json";
  /** `,` `;` or tab for CSV; null for JSON. */
  delimiter: string | null;
  /** Trimmed, unique, non-empty. */
  columns: string[];
  /** In file order (a CSV row may have fewer or more cells than the header). */
  rows: AsyncIterable<TableRow>;
}

const tooLarge = () => new ContactsFileError("too_large", `the file is larger than ${contactsMaxBytes / 1024 / 1024} MB`);

/** The body as Buffers (what csv-parse works on), refused once it passes `maxBytes`. */
function limited(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Buffer> {
  let total = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Buffer>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > maxBytes) throw tooLarge();
        controller.enqueue(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      },
    }),
  );
}

/** Checks the header's names: trimmed, none empty, none twice. */
export function checkColumns(names: readonly string[]): string[] {
  if (names.length > maxColumns) throw new ContactsFileError("unprocessable", `the file has ${names.length} columns; at most ${maxColumns}`);
  const columns = names.map((n) => n.trim());
  const empty = columns.findIndex((n) => n === "");
  if (empty !== -1) throw new ContactsFileError("unprocessable", `column ${empty + 1} of the header has no name`);
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) throw new ContactsFileError("unprocessable", `the header names the column "${name}" twice`);
    seen.add(name);
  }
  return columns;
}

const separators = [",", ";", "\t"] as const;

/**
 * The separator of a header line: whichever of `,` `;` and tab occurs most outside quotes (`,`
 * on a tie or when none does, as for a one-column file).
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(separators.map((s) => [s, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: string = ",";
  for (const s of separators) if ((counts.get(s) ?? 0) > (counts.get(best) ?? 0)) best = s;
  return best;
}

/** The first record's text when it has ended within `text` (a line break outside quotes), else null. */
function firstLine(text: string): string | null {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) return text.slice(0, i);
  }
  return null;
}

/** Reads the chunks that hold the header line, so the separator is known before parsing starts. */
async function readHead(reader: ReadableStreamDefaultReader<Buffer>): Promise<{ chunks: Buffer[]; line: string; done: boolean }> {
  const chunks: Buffer[] = [];
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { chunks, line: text, done: true };
    chunks.push(value);
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    const line = firstLine(text);
    if (line !== null) return { chunks, line, done: false };
    if (bytes > headerMaxBytes) throw new ContactsFileError("unprocessable", `the header line is longer than ${headerMaxBytes / 1024} KiB`);
  }
}

/** The head chunks again, then the rest of the body. */
function replay(chunks: Buffer[], reader: ReadableStreamDefaultReader<Buffer>, done: boolean): ReadableStream<Buffer> {
  let i = 0;
  return new ReadableStream<Buffer>({
    async pull(controller) {
      const head = chunks[i++];
      if (head !== undefined) return controller.enqueue(head);
      const next = done ? { done: true as const, value: undefined } : await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function unreadable(err: unknown): unknown {
  if (err instanceof ContactsFileError) return err;
  // csv-parse's errors (CsvError) say what and where ("Quote Not Closed: the parsing is finished with an opening quote at line 5").
  if (err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("CSV_")) {
    return new ContactsFileError("unprocessable", `the CSV could not be read: ${err.message}`);
  }
  return err;
}

/** A CSV body (RFC 4180; BOM, quoted fields with separators, quotes and line breaks; CRLF or LF). */
export async function readCsv(body: ReadableStream<Uint8Array>, maxBytes = contactsMaxBytes): Promise<ContactsTable> {
  const reader = limited(body, maxBytes).getReader();
  const head = await readHead(reader);
  const delimiter = detectDelimiter(head.line.replace(/^\uFEFF/, ""));
  const records = replay(head.chunks, reader, head.done)
    .pipeThrough(
      csvParser({
        delimiter,
        bom: true,
        // A row with more or fewer cells than the header is that row's problem, not the file's.
        relax_column_count: true,
        // `5" screen` in an unquoted cell is read as written rather than refusing the file.
        relax_quotes: true,
        skip_empty_lines: true,
        // Spreadsheets export trailing rows of empty cells (`,,,`).
        skip_records_with_empty_values: true,
      }),
    )
    .getReader() as ReadableStreamDefaultReader<string[]>;
  const first = await records.read().catch((err: unknown) => {
    throw unreadable(err);
  });
  if (first.done) throw new ContactsFileError("unprocessable", "the file is empty: it needs a header line naming its columns");
  const columns = checkColumns(first.value);
  async function* rows(): AsyncGenerator<TableRow> {
    try {
      for (;;) {
        const next = await records.read();
        if (next.done) return;
        yield { cells: next.value };
      }
    } catch (err) {
      throw unreadable(err);
    } finally {
      records.releaseLock();
    }
  }
  return { format: "csv", delimiter, columns, rows: rows() };
}

/** A JSON body: an array of flat objects (values string, number, boolean or null). */
export async function readJson(body: ReadableStream<Uint8Array>, maxBytes = contactsMaxBytes): Promise<ContactsTable> {
  const reader = limited(body, maxBytes).getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  text += decoder.decode();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ContactsFileError("malformed", "the body is not valid JSON");
  }
  if (!Array.isArray(parsed)) throw new ContactsFileError("unprocessable", "the body must be a JSON array of objects, one per contact");
  const names = new Set<string>();
  for (const item of parsed) {
    if (item !== null && typeof item === "object" && !Array.isArray(item)) for (const key of Object.keys(item)) names.add(key);
  }
  const columns = checkColumns([...names]);
  const keys = [...names];
  const list: unknown[] = parsed;
  async function* rows(): AsyncGenerator<TableRow> {
    for (const item of list) yield jsonRow(item, keys, columns);
  }
  return { format: "json", delimiter: null, columns, rows: rows() };
}

function jsonRow(item: unknown, keys: readonly string[], columns: readonly string[]): TableRow {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return { cells: [], problem: { field: null, reason: "must be an object of column → value" } };
  const record = item as Record<string, unknown>;
  const cells: Cell[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] ?? "";
    const v = Object.hasOwn(record, key) ? record[key] : undefined;
    if (v === undefined || v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") cells.push(v);
    else return { cells: [], problem: { field: columns[i] ?? key, reason: "must be a string, number, boolean or null" } };
  }
  return { cells };
}
