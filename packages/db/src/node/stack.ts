// The embedded database for `npm run dev`, tests and benchmarks: PGlite (real Postgres in WASM)
// behind the transaction-serialising wire server, or an external Postgres given by URL, either
// way reached through the local WebSocket→TCP proxy that Neon's driver needs, and migrated.
import { startPgliteServer, startWsProxy } from "../embedded/index.ts";
import { migrateDatabase } from "./migrate.ts";

export interface EmbeddedDatabase {
  /** postgres:// URL the Worker connects to (through the proxy). */
  databaseUrl: string;
  /** host:port of the WebSocket→TCP proxy, for `DB_LOCAL_PROXY`. */
  localProxy: string;
  /** "pglite" or "external". */
  kind: "pglite" | "external";
  close(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Persist PGlite here; in memory when unset. Ignored with `externalUrl`. */
  dataDir?: string | undefined;
  /** Use this Postgres (e.g. `DATABASE_URL` of a local server with trust auth) instead of PGlite. */
  externalUrl?: string | undefined;
  port?: number;
  proxyPort?: number;
}

export async function startEmbeddedDatabase(opts: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const proxy = await startWsProxy({ port: opts.proxyPort ?? 0 });
  const localProxy = `127.0.0.1:${proxy.port}`;
  if (opts.externalUrl) {
    await migrateDatabase(opts.externalUrl, localProxy);
    return { databaseUrl: opts.externalUrl, localProxy, kind: "external", close: () => proxy.close() };
  }
  const server = await startPgliteServer({ dataDir: opts.dataDir, port: opts.port ?? 0 });
  const databaseUrl = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
  try {
    await migrateDatabase(databaseUrl, localProxy);
  } catch (err) {
    await proxy.close();
    await server.close();
    throw err;
  }
  return {
    databaseUrl,
    localProxy,
    kind: "pglite",
    async close() {
      await proxy.close();
      await server.close();
    },
  };
}
