// The one database factory. Production and the embedded default use the same driver: Neon's
// serverless Pool over WebSockets. Locally the WebSocket goes to a small WS→TCP proxy in front of
// PGlite (or of any Postgres), which is the only difference, made by configuration alone.
import { Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { NeonDatabase } from "drizzle-orm/neon-serverless";
// No relational schema: the platform builds every query with the core API (select/insert/update),
// and drizzle({ schema }) walked the whole schema on every createDatabase (~0.6 ms a request).
export type Database = NeonDatabase;

export interface DatabaseOptions {
  /** postgres:// connection string (Neon in production, 127.0.0.1 locally). */
  url: string;
  /** `host:port` of a local WebSocket→TCP proxy; unset in production (Neon terminates WebSockets). */
  localProxy?: string | undefined;
  /** Needed outside Workers (Node < 22 has no global WebSocket). */
  webSocketConstructor?: typeof WebSocket | undefined;
  /** Pool size; one request in a Worker needs one or two connections. */
  max?: number;
}

export interface DatabaseHandle {
  db: Database;
  pool: Pool;
  /** Closes the pool's connections; in a Worker pass it to `ctx.waitUntil`. */
  close(): Promise<void>;
}

/** neonConfig is process-wide; a local proxy is configured once and only when one is given. */
function useLocalProxy(proxy: string): void {
  neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.localProxy) useLocalProxy(options.localProxy);
  if (options.webSocketConstructor) neonConfig.webSocketConstructor = options.webSocketConstructor;
  const pool = new Pool({ connectionString: options.url, max: options.max ?? 4 });
  // An idle pooled connection can drop (in Workers, when the request that opened it has ended);
  // pg-style pools re-emit that as an 'error' event, which would crash the isolate if unheard.
  // The next query opens a new connection, so nothing is lost by ignoring it here.
  pool.on("error", () => undefined);
  const db = drizzle({ client: pool });
  return { db, pool, close: () => pool.end() };
}
