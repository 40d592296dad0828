// Applies the committed drizzle-kit migrations through the production driver (Neon's Pool), so
// the same path migrates Neon, a local Postgres, or PGlite behind the local proxy.
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import { ws } from "./ws.ts";
import { createDatabase } from "../client.ts";

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

function open(url: string, localProxy?: string) {
  return createDatabase({ url, localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof globalThis.WebSocket, max: 1 });
}

/** `folder`: another migrations folder (tests apply a prefix of the history this way). */
export async function migrateDatabase(url: string, localProxy?: string, folder: string = migrationsFolder): Promise<void> {
  const handle = open(url, localProxy);
  try {
    await migrate(handle.db, { migrationsFolder: folder });
  } finally {
    await handle.close();
  }
}

/** How many migrations drizzle has recorded as applied (0 on an empty database). */
export async function appliedMigrations(url: string, localProxy?: string): Promise<number> {
  const handle = open(url, localProxy);
  try {
    const table = await handle.db.execute<{ name: string | null }>(sql`select to_regclass('drizzle.__drizzle_migrations')::text as name`);
    if (!table.rows[0]?.name) return 0;
    const count = await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    return count.rows[0]?.n ?? 0;
  } finally {
    await handle.close();
  }
}
