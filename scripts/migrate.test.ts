// The migration history, on a real PostgreSQL (scripts/postgres.ts) and on PGlite, through the
// production driver: `npm run db:migrate` from empty and again (nothing changes), the same schema
// on both engines, and an upgrade from the previous release that keeps the rows written before it.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createDatabase } from "@speaknode/db";
import { appliedMigrations, migrateDatabase, migrationsFolder, ws } from "@speaknode/db/node";
import { startPgliteServer, startWsProxy, type PgliteServer, type WsProxy } from "../packages/db/src/embedded/index.ts";
import { startPostgresServer, type PostgresServer } from "./postgres.ts";

const node = process.execPath;
const root = join(import.meta.dirname, "..");
const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };

/** The migrations the previous release shipped: those at the newest git tag, else all but the newest. */
function previousReleaseCount(): { count: number; from: string } {
  try {
    const tag = execFileSync("git", ["describe", "--tags", "--abbrev=0"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const old = JSON.parse(execFileSync("git", ["show", `${tag}:packages/db/migrations/meta/_journal.json`], { cwd: root, encoding: "utf8" })) as typeof journal;
    return { count: old.entries.length, from: `tag ${tag}` };
  } catch {
    return { count: journal.entries.length - 1, from: "the history without its newest migration" };
  }
}

/** A migrations folder holding the first `count` migrations of the history. */
function historyPrefix(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), "speaknode-migrations-"));
  cpSync(migrationsFolder, dir, { recursive: true });
  writeFileSync(join(dir, "meta", "_journal.json"), JSON.stringify({ ...journal, entries: journal.entries.slice(0, count) }));
  return dir;
}

let proxy: WsProxy;
let localProxy: string;
const open = (url: string) =>
  createDatabase({ url, localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof globalThis.WebSocket, max: 1 });

async function query<T extends Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const handle = open(url);
  try {
    return (await handle.db.execute(sql.raw(text))).rows as T[];
  } finally {
    await handle.close();
  }
}

/**
 * Everything a migration defines in `public`, as comparable rows: columns (type, nullability,
 * default), constraints (PK/FK/unique/check, by definition), indexes, enums, views, triggers.
 * NOT NULL constraints are left out of pg_constraint's list: Postgres 18 (PGlite) records them
 * there, 15 does not; the columns' nullability says the same for both.
 */
async function schemaOf(url: string) {
  return {
    columns: await query(url, `select table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length from information_schema.columns where table_schema = 'public' order by 1, 2`),
    constraints: await query(url, `select conrelid::regclass::text as tbl, conname, contype, pg_get_constraintdef(oid) as def from pg_constraint where connamespace = 'public'::regnamespace and contype in ('p', 'u', 'f', 'c', 'x') order by 1, 2`),
    indexes: await query(url, `select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`),
    enums: await query(url, `select t.typname, array_agg(e.enumlabel order by e.enumsortorder)::text as labels from pg_type t join pg_enum e on e.enumtypid = t.oid where t.typnamespace = 'public'::regnamespace group by 1 order by 1`),
    views: await query(url, `select viewname, definition from pg_views where schemaname = 'public' order by 1`),
    triggers: await query(url, `select tgrelid::regclass::text as tbl, tgname, pg_get_triggerdef(oid) as def from pg_trigger where not tgisinternal order by 1, 2`),
  };
}

async function dbMigrate(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)(node, ["scripts/migrate.ts"], { cwd: root, env: { ...process.env, DATABASE_URL: url, DB_LOCAL_PROXY: "" } });
  return stdout.trim();
}

let postgres: PostgresServer;
let pglite: PgliteServer;
/** A fresh database on the real server for each test. */
async function freshDatabase(name: string): Promise<string> {
  await query(postgres.url, `create database ${name}`);
  return postgres.url.replace(/\/postgres$/, `/${name}`);
}

beforeAll(async () => {
  [postgres, pglite, proxy] = await Promise.all([startPostgresServer(), startPgliteServer({ port: 0 }), startWsProxy({ port: 0 })]);
  localProxy = `127.0.0.1:${proxy.port}`;
  // PGlite's WASM start takes ~3 s alone and was measured at 43 s with the machine's 2 cores busy.
}, 180_000);
afterAll(async () => {
  await proxy?.close();
  await Promise.all([postgres?.close(), pglite?.close()]);
});

describe("npm run db:migrate", { timeout: 120_000 }, () => {
  it("applies the whole history to an empty Postgres, and a second run applies nothing and changes nothing", async () => {
    const url = await freshDatabase("twice");
    expect(await dbMigrate(url)).toBe(`migrations: ${journal.entries.length} applied, ${journal.entries.length} in the database`);
    const first = await schemaOf(url);
    expect(first.columns.length).toBeGreaterThan(0);
    expect(await dbMigrate(url)).toBe(`migrations: 0 applied, ${journal.entries.length} in the database`);
    expect(await schemaOf(url)).toEqual(first);
  });

  it("says what to set, and exits 2, without DATABASE_URL", () => {
    const run = () => execFileSync(node, ["scripts/migrate.ts"], { cwd: root, env: { ...process.env, DATABASE_URL: "" }, stdio: "pipe" });
    expect(run).toThrow(/set DATABASE_URL/);
  });
});

describe("the migration history", { timeout: 120_000 }, () => {
  it("gives the same schema on a real PostgreSQL and on PGlite", async () => {
    const url = await freshDatabase("same");
    const pgliteUrl = `postgres://postgres@127.0.0.1:${pglite.port}/postgres`;
    await migrateDatabase(url, localProxy);
    await migrateDatabase(pgliteUrl, localProxy);
    const [real, embedded] = await Promise.all([schemaOf(url), schemaOf(pgliteUrl)]);
    expect(embedded).toEqual(real);
  });

  it("upgrades a database of the previous release to the newest and keeps its rows", async () => {
    const { count, from } = previousReleaseCount();
    const url = await freshDatabase("upgrade");
    const prefix = historyPrefix(count);
    try {
      await migrateDatabase(url, localProxy, prefix);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
    expect(await appliedMigrations(url, localProxy), from).toBe(count);
    // Rows in the tables people's data lives in, written with the previous release's schema.
    await query(url, `insert into spaces (id, name) values ('spc_old', 'Old space');
      insert into users (id, oidc_issuer, oidc_subject, email) values ('usr_old', 'https://issuer.invalid', 'sub-old', 'old@example.com');
      insert into memberships (space_id, user_id, role) values ('spc_old', 'usr_old', 'owner');
      insert into agents (id, space_id, name, config) values ('agt_old', 'spc_old', 'Old agent', '{"greeting":"hi"}');
      insert into agent_versions (id, agent_id, version, snapshot) values ('agv_old', 'agt_old', 1, '{"greeting":"hi"}');
      insert into sessions (id, space_id, agent_id, channel, language, media_driver) values ('ses_old', 'spc_old', 'agt_old', 'api', 'en', 'local');`);
    const before = await query(url, `select s.id, s.name, a.config::text as config, v.snapshot::text as snapshot, x.channel::text as channel from spaces s join agents a on a.space_id = s.id join agent_versions v on v.agent_id = a.id join sessions x on x.agent_id = a.id`);

    expect(await dbMigrate(url)).toBe(`migrations: ${journal.entries.length - count} applied, ${journal.entries.length} in the database`);
    const after = await query(url, `select s.id, s.name, a.config::text as config, v.snapshot::text as snapshot, x.channel::text as channel from spaces s join agents a on a.space_id = s.id join agent_versions v on v.agent_id = a.id join sessions x on x.agent_id = a.id`);
    expect(before).toHaveLength(1);
    expect(after).toEqual(before);
    expect(await query(url, `select count(*)::int as n from memberships where user_id = 'usr_old'`)).toEqual([{ n: 1 }]);
    // And it ends where a database migrated from empty ends.
    const fresh = await freshDatabase("fromempty");
    await migrateDatabase(fresh, localProxy);
    expect(await schemaOf(url)).toEqual(await schemaOf(fresh));
  });
});
