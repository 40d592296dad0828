// The real-Postgres helper: a server the production driver (Neon's, through the local WS proxy)
// reaches, that is a real PostgreSQL (not PGlite), and that is gone with its files after close().
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createDatabase } from "@speaknode/db";
import { startWsProxy } from "../packages/db/src/embedded/index.ts";
import { ws } from "../packages/db/src/node/ws.ts";
import { startPostgresServer, type PostgresServer } from "./postgres.ts";

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });

describe("startPostgresServer", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(() => server?.close());

  it("serves a real PostgreSQL that the production driver reaches through the local proxy", async () => {
    const proxy = await startWsProxy({ port: 0 });
    const handle = createDatabase({
      url: server.url,
      localProxy: `127.0.0.1:${proxy.port}`,
      webSocketConstructor: ws.WebSocket as unknown as typeof globalThis.WebSocket,
      max: 1,
    });
    try {
      const result = await handle.db.execute<{ version: string; fsync: string }>(sql`select version() as version, current_setting('fsync') as fsync`);
      expect(result.rows[0]?.version).toMatch(/^PostgreSQL \d+/);
      // PGlite reports itself as running on emscripten/wasm; this must be the native server.
      expect(result.rows[0]?.version).not.toMatch(/wasm|emscripten/i);
      expect(result.rows[0]?.fsync).toBe("off");
    } finally {
      await handle.close();
      await proxy.close();
    }
  });

  it("stops the server and removes its temporary cluster on close", async () => {
    const other = await startPostgresServer();
    expect(existsSync(other.dataDir)).toBe(true);
    expect(await refused(other.port)).toBe(false);
    await other.close();
    expect(await refused(other.port)).toBe(true);
    expect(existsSync(other.dataDir)).toBe(false);
  });
});
