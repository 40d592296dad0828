// Runs the embedded database as its own process: prints one JSON line with `databaseUrl` and
// `localProxy` once migrated, and closes cleanly on SIGTERM/SIGINT or when stdin ends (so it
// never outlives the process that started it). Used by the workerd test setup, whose module
// loader resolves packages with browser conditions and cannot host PGlite itself.
//
// PGlite by default; a real Postgres when SPEAKNODE_TEST_DATABASE_URL names one (`.ci/run` runs the
// workers suite a second time that way, with a server from scripts/postgres.ts). Deliberately not
// DATABASE_URL: a developer's shell may hold Neon's production URL, and the tests write and migrate.
import { startEmbeddedDatabase } from "@speaknode/db/node";

const database = await startEmbeddedDatabase({
  externalUrl: process.env["SPEAKNODE_TEST_DATABASE_URL"] || undefined,
  dataDir: process.env["SPEAKNODE_PG_DATA"],
});
process.stdout.write(JSON.stringify({ databaseUrl: database.databaseUrl, localProxy: database.localProxy, kind: database.kind }) + "\n");

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await database.close();
  process.exit(0);
};
process.on("SIGTERM", () => void close());
process.on("SIGINT", () => void close());
process.stdin.on("end", () => void close());
process.stdin.resume();
