import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "./node/migrate.ts";

// Migration 0009 rewrites NUL escapes that json columns took before every API string had to be
// storable. It is idempotent, so the test migrates, writes such rows as the old API could, runs it
// again and reads them back.
const storableJson = readFileSync(join(migrationsFolder, "0009_storable_json.sql"), "utf8");
let pg: PGlite;

beforeAll(async () => {
  pg = new PGlite();
  await migrate(drizzle(pg), { migrationsFolder });
});
afterAll(async () => {
  await pg.close();
});

describe("migration 0009 (storable json)", () => {
  it("replaces every NUL escape in json columns with U+FFFD, adjacent ones too, and leaves a typed backslash-u alone", async () => {
    await pg.exec(`insert into spaces (id, name) values ('spc_1', 'S')`);
    // \\u0000 in JSON text is a NUL; \\\\u0000 is a backslash followed by the letters u0000.
    await pg.exec(String.raw`insert into agents (id, space_id, name, config) values ('agt_1', 'spc_1', 'A', '{"systemPrompt":"a\u0000b","pair":"\u0000\u0000","typed":"\\u0000","deep":{"k":["x\u0000"]}}')`);
    await pg.exec(String.raw`insert into agents (id, space_id, name, config) values ('agt_2', 'spc_1', 'B', '{"systemPrompt":"clean"}')`);
    await pg.exec(storableJson);
    const rows = (await pg.query<{ id: string; config: Record<string, unknown> }>(`select id, config from agents order by id`)).rows;
    expect(rows[0]?.config).toEqual({ systemPrompt: "a\uFFFDb", pair: "\uFFFD\uFFFD", typed: "\\u0000", deep: { k: ["x\uFFFD"] } });
    expect(rows[1]?.config).toEqual({ systemPrompt: "clean" });
    expect(JSON.stringify(rows)).not.toContain("\u0000");
  });
});
