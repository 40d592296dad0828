// The suite runs on the database its setup says: PGlite by default, the real PostgreSQL server
// named by SPEAKNODE_TEST_DATABASE_URL when `.ci/run` gives one — so a green run on "real Postgres"
// cannot silently have been a run on PGlite.
import { inject, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { withDb } from "./helpers.ts";

it("runs against the database kind the global setup started (PGlite or a native PostgreSQL)", async () => {
  const version = await withDb(async (db) => {
    const result = await db.execute<{ version: string }>(sql`select version() as version`);
    return result.rows[0]?.version ?? "";
  });
  expect(version).toMatch(/^PostgreSQL \d+/);
  if (inject("databaseKind") === "pglite") expect(version).toMatch(/PGlite/);
  else expect(version).not.toMatch(/PGlite|wasm/);
});
