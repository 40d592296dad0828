// Errors as the driver and drizzle throw them: Postgres itself raises the SQLSTATE (plpgsql RAISE),
// so these run on PGlite too. The real deadlock is in routes/concurrent-delete.test.ts.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { withDb } from "../../test/helpers.ts";
import { isTransientDatabaseError, retryTransient } from "./db-error.ts";

/** A query that fails with `state`, or answers 1 when `state` is undefined. */
function query(state: string | undefined): Promise<number> {
  return withDb(async (db) => {
    if (state) await db.execute(sql.raw(`do $$ begin raise exception 'lost' using errcode = '${state}'; end $$`));
    const result = await db.execute<{ one: number }>(sql`select 1 as one`);
    return Number(result.rows[0]?.one);
  });
}

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("isTransientDatabaseError", () => {
  it("names a deadlock, a serialization failure and a lock not available, and nothing else", async () => {
    for (const state of ["40P01", "40001", "55P03"]) expect(isTransientDatabaseError(await errorOf(() => query(state))), state).toBe(true);
    for (const state of ["23505", "23503", "22003", "57014"]) expect(isTransientDatabaseError(await errorOf(() => query(state))), state).toBe(false);
    expect(isTransientDatabaseError(new Error("40P01"))).toBe(false);
    expect(isTransientDatabaseError(undefined)).toBe(false);
  });
});

describe("retryTransient", () => {
  it("runs a statement that lost to a concurrent one again until it succeeds", async () => {
    let runs = 0;
    const one = await retryTransient(() => query(++runs < 3 ? "40P01" : undefined));
    expect({ one, runs }).toEqual({ one: 1, runs: 3 });
  });

  it("gives up after its attempts with the last error", async () => {
    let runs = 0;
    const err = await errorOf(() => retryTransient(() => (runs++, query("40001")), 3));
    expect(runs).toBe(3);
    expect(isTransientDatabaseError(err)).toBe(true);
  });

  it("throws any other error at once", async () => {
    let runs = 0;
    const err = await errorOf(() => retryTransient(() => (runs++, query("23505"))));
    expect(runs).toBe(1);
    expect(isTransientDatabaseError(err)).toBe(false);
  });
});
