// Statements sent as one message, their parameters written in as literals, against the database.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDb } from "../../test/helpers.ts";
import { literal, runInOneMessage } from "./one-message.ts";

const awkward = ["it's", "back\\slash\\'", "$v$", "ends with $v", "$v0$ and $v$ both", "Ω 😀", "", "--", "'); drop table sessions; --"];

describe("runInOneMessage", () => {
  it("gives every string back unchanged, quotes, backslashes and dollar tags included", async () => {
    const rows = await withDb((db) => runInOneMessage(db, [sql`select ${sql.join(awkward.map((v, i) => sql`${v}::text as ${sql.identifier(`v${i}`)}`), sql`, `)}`]));
    expect(awkward.map((_, i) => rows[0]?.[`v${i}`])).toEqual(awkward);
  });

  it("gives JSON, numbers, booleans, null and dates back as the values they were", async () => {
    const at = new Date("2026-03-01T12:34:56.789Z");
    const json = { name: "O'Brien $v$", n: [1, 2.5], ok: true };
    const rows = await withDb((db) => runInOneMessage(db, [sql`select ${JSON.stringify(json)}::jsonb as j, ${42.5}::float8 as n, ${false}::boolean as b, ${null}::text as z, ${at}::timestamptz as t`]));
    expect(rows[0]?.["j"]).toEqual(json);
    expect(rows[0]?.["n"]).toBe(42.5);
    expect(rows[0]?.["b"]).toBe(false);
    expect(rows[0]?.["z"]).toBeNull();
    const t = rows[0]?.["t"];
    expect(t instanceof Date ? t.toISOString() : new Date(String(t)).toISOString()).toBe(at.toISOString());
  });

  it("runs the statements as one transaction: a failing statement undoes the ones before it", async () => {
    const table = sql.identifier(`one_message_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
    await withDb((db) => db.execute(sql`create table ${table} (n int primary key)`));
    try {
      await expect(withDb((db) => runInOneMessage(db, [sql`insert into ${table} values (${1})`, sql`insert into ${table} values (${1})`]))).rejects.toThrow();
      const [row] = await withDb((db) => runInOneMessage(db, [sql`select count(*)::int as n from ${table}`]));
      expect(row?.["n"]).toBe(0);
      const after = await withDb((db) => runInOneMessage(db, [sql`insert into ${table} values (${1})`, sql`insert into ${table} values (${2})`, sql`select count(*)::int as n from ${table}`]));
      expect(after[0]?.["n"]).toBe(2);
    } finally {
      await withDb((db) => db.execute(sql`drop table ${table}`));
    }
  });

  it("refuses what no literal can carry", () => {
    expect(() => literal(Number.NaN)).toThrow(/finite/);
    expect(() => literal("a\u0000b")).toThrow(/NUL/);
  });
});
