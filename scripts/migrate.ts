// `npm run db:migrate`: applies the committed migrations (packages/db/migrations) to DATABASE_URL —
// Neon in production, or any Postgres. Idempotent: drizzle records each applied migration in
// drizzle.__drizzle_migrations, so a second run applies nothing and says so. Forward-only: there
// are no down migrations; rolling back is restoring a Neon branch / point in time (README,
// "Database and migrations").
//
// Neon's driver speaks Postgres over WebSockets. Neon terminates them itself; any other Postgres
// is reached through the same WS→TCP proxy the dev stack uses (DB_LOCAL_PROXY), started here in
// this process when none is given — bound to 127.0.0.1 and allowed only DATABASE_URL's host.
import { migrateDatabase, appliedMigrations } from "@speaknode/db/node";
import { startWsProxy } from "../packages/db/src/embedded/index.ts";

/** Neon's hosts accept WebSockets themselves (…neon.tech); everything else needs the proxy. */
function needsProxy(url: string): boolean {
  return !new URL(url).hostname.endsWith(".neon.tech");
}

const url = process.env["DATABASE_URL"];
if (!url) {
  console.error("set DATABASE_URL to the database to migrate (postgres://user:password@host:port/db)");
  process.exit(2);
}
let host: string;
try {
  host = new URL(url).hostname;
} catch {
  console.error("DATABASE_URL is not a URL (postgres://user:password@host:port/db)");
  process.exit(2);
}

let localProxy = process.env["DB_LOCAL_PROXY"] || undefined;
const proxy = !localProxy && needsProxy(url) ? await startWsProxy({ port: 0, allowedTargets: (h) => h === host || (host === "localhost" && h === "127.0.0.1") }) : undefined;
if (proxy) localProxy = `127.0.0.1:${proxy.port}`;
try {
  const before = await appliedMigrations(url, localProxy);
  await migrateDatabase(url, localProxy);
  const after = await appliedMigrations(url, localProxy);
  console.log(`migrations: ${after - before} applied, ${after} in the database`);
} catch (err) {
  // The driver's errors name the server's reason (auth, unreachable host, a failing statement).
  console.error(`db:migrate failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await proxy?.close();
}
