// Applies the committed drizzle-kit migrations through the production driver (Neon's Pool), so
// the same path migrates Neon, a local Postgres, or PGlite behind the local proxy.
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import { ws } from "./ws.ts";
import { createDatabase } from "../client.ts";

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

export async function migrateDatabase(url: string, localProxy?: string): Promise<void> {
  const handle = createDatabase({ url, localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof globalThis.WebSocket, max: 1 });
  try {
    await migrate(handle.db, { migrationsFolder });
  } finally {
    await handle.close();
  }
}
