// The contacts file reader inside workerd: csv-parse's WHATWG stream, RFC 4180 edge cases, the
// separator read from the header line, byte limits counted while streaming, JSON rows.
import { describe, expect, it } from "vitest";
import { ContactsFileError, detectDelimiter, readCsv, readJson, type ContactsTable } from "./file.ts";

/** The text as a body arriving in small chunks, so records and the header span chunk boundaries. */
function body(text: string | Uint8Array, chunkBytes = 7): ReadableStream<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
}

async function all(table: ContactsTable): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const row of table.rows) rows.push(row.problem ? [row.problem.reason] : [...row.cells]);
  return rows;
}

async function refusal(promise: Promise<unknown>): Promise<ContactsFileError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  if (!(err instanceof ContactsFileError)) throw new Error(`expected a ContactsFileError, got ${String(err)}`);
  return err;
}

describe("readCsv", () => {
  it("skips a UTF-8 BOM and reads CRLF lines", async () => {
    const table = await readCsv(body("\uFEFFphone,name\r\n+14155550100,Ann\r\n+14155550101,Bob\r\n"));
    expect(table).toMatchObject({ format: "csv", delimiter: ",", columns: ["phone", "name"] });
    expect(await all(table)).toEqual([["+14155550100", "Ann"], ["+14155550101", "Bob"]]);
  });

  it("keeps quoted separators, doubled quotes and line breaks inside a field", async () => {
    const table = await readCsv(body('phone,note\n+14155550100,"Line one\nline two, with ""quotes"""\n+14155550101,plain\n', 3));
    expect(await all(table)).toEqual([["+14155550100", 'Line one\nline two, with "quotes"'], ["+14155550101", "plain"]]);
  });

  it("detects ; and tab separators from the header line", async () => {
    const semi = await readCsv(body("phone;name;city\n+33612345678;Zoé;Paris, France\n"));
    expect(semi.delimiter).toBe(";");
    expect(await all(semi)).toEqual([["+33612345678", "Zoé", "Paris, France"]]);
    const tab = await readCsv(body("phone\tname\n+14155550100\tAnn; Lee\n"));
    expect(tab.delimiter).toBe("\t");
    expect(await all(tab)).toEqual([["+14155550100", "Ann; Lee"]]);
  });

  it("reads separators inside quoted header names as names", () => {
    expect(detectDelimiter('"a;b";"c;d";e')).toBe(";");
    expect(detectDelimiter('"a;b","c;d",e')).toBe(",");
    expect(detectDelimiter('"x,y";z')).toBe(";");
    expect(detectDelimiter("phone")).toBe(",");
  });

  it("trims header names and refuses empty or repeated ones", async () => {
    expect((await readCsv(body(" phone , name \n1,2\n"))).columns).toEqual(["phone", "name"]);
    expect((await refusal(readCsv(body("phone,,name\n1,2,3\n")))).message).toContain("column 2 of the header has no name");
    expect((await refusal(readCsv(body("phone,Phone,phone \n1,2,3\n")))).message).toContain('"phone" twice');
  });

  it("refuses an empty file (no header)", async () => {
    const err = await refusal(readCsv(body("")));
    expect(err.kind).toBe("unprocessable");
    expect(err.message).toContain("header");
  });

  it("skips blank lines and rows of empty cells, and keeps short and long rows for the validator", async () => {
    const table = await readCsv(body("phone,name\n\n+14155550100\n,,\n+14155550101,Bob,extra\n\n"));
    expect(await all(table)).toEqual([["+14155550100"], ["+14155550101", "Bob", "extra"]]);
  });

  it("reports an unclosed quote with where it is", async () => {
    const table = await readCsv(body('phone,name\n+14155550100,"Ann\n'));
    const err = await refusal(all(table));
    expect(err.kind).toBe("unprocessable");
    expect(err.message).toMatch(/could not be read: .*quote/i);
  });

  it("stops reading once the body passes the byte limit", async () => {
    const err = await refusal(readCsv(body(`phone\n${"+14155550100\n".repeat(100)}`, 64), 500).then(all));
    expect(err.kind).toBe("too_large");
  });

  it("streams 100k rows", async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `+1415${String(5550000 + i).padStart(7, "0")},Name ${i}`);
    const table = await readCsv(body(`phone,name\n${lines.join("\n")}\n`, 64 * 1024));
    let n = 0;
    for await (const row of table.rows) if (row.cells.length === 2) n++;
    expect(n).toBe(100_000);
  });
});

describe("readJson", () => {
  it("reads an array of flat objects with the union of their keys as columns", async () => {
    const table = await readJson(body(JSON.stringify([{ phone: "+14155550100", vip: true }, { phone: "+14155550101", age: 41, note: null }])));
    expect(table).toMatchObject({ format: "json", delimiter: null, columns: ["phone", "vip", "age", "note"] });
    expect(await all(table)).toEqual([["+14155550100", true, undefined, undefined], ["+14155550101", undefined, 41, null]]);
  });

  it("marks rows that are not flat objects and refuses bodies that are not arrays or not JSON", async () => {
    const table = await readJson(body(JSON.stringify([{ phone: "+1", tags: ["a"] }, 5])));
    const rows: unknown[] = [];
    for await (const row of table.rows) rows.push(row.problem);
    expect(rows).toEqual([{ field: "tags", reason: "must be a string, number, boolean or null" }, { field: null, reason: "must be an object of column → value" }]);
    expect((await refusal(readJson(body('{"phone":"+1"}')))).kind).toBe("unprocessable");
    expect((await refusal(readJson(body("[{")))).kind).toBe("malformed");
  });
});
