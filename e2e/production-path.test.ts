// A call heard through the production database path: the whole local stack on a real PostgreSQL
// server (Debian's, started here by scripts/postgres.ts) instead of PGlite, with the Worker and its
// Durable Objects on Neon's driver over the local WebSocket proxy, as they run against Neon. A
// caller dispatches the demo agent through the public endpoint, hears its greeting (pocketsphinx
// spots the words in the audio the agent sent), asks a question, hears an answer and hangs up.
// Then the server itself says what happened: the session's row completed (written through by the
// SessionRoom), its transcript, and its usage recorded once in the same transaction.
// The Worker serves build/public: build first (`npx node scripts/build.ts`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, demoAgentId, type DatabaseHandle } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { encodeWav } from "../voice-runtime/src/audio/wav.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { startPostgresServer, type PostgresServer } from "../scripts/postgres.ts";
import { token } from "../scripts/bench/api.ts";
import { heardInWav } from "./line-asr.ts";
import { sessionDetail } from "./lib.ts";
import { heardWebCall } from "./web-call.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-production-"));

let server: PostgresServer;
let stack: LocalStack;
let db: DatabaseHandle;
const previousUrl = process.env["DATABASE_URL"];

beforeAll(async () => {
  server = await startPostgresServer();
  // startLocalStack migrates and seeds the server named by DATABASE_URL instead of starting PGlite.
  process.env["DATABASE_URL"] = server.url;
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  // Read back from the server itself, not from whatever the stack says it uses.
  expect(stack.database.databaseUrl).toBe(server.url);
  db = createDatabase({ url: server.url, localProxy: stack.database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
}, 240_000);

afterAll(async () => {
  if (previousUrl === undefined) delete process.env["DATABASE_URL"];
  else process.env["DATABASE_URL"] = previousUrl;
  await db?.close();
  await stack?.stop();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("a web call on a real PostgreSQL through Neon's driver", () => {
  it("is heard, and its row, transcript and usage are in the server", async () => {
    // The stack was migrated and seeded on the server: the demo agent's row is there.
    const seeded = await db.pool.query<{ n: number }>("select count(*)::int as n from agents where id = $1", [demoAgentId]);
    expect(seeded.rows[0]?.n).toBe(1);

    const owner = await token(stack.url);
    // Throws unless the session completed.
    const call = await heardWebCall({ url: stack.url, agentId: demoAgentId, scratch, statusOf: async (id) => (await sessionDetail(stack.url, owner, id)).status });
    expect(call.endedInGreeting, "the call is still up after the greeting").toBeFalsy();
    // "Hello Ada! This is the Speaknode demo. I can check an order for you."
    expect(call.greeting.length / 16_000, "seconds of greeting").toBeGreaterThan(1.5);
    expect(heardInWav({ wav: encodeWav(call.greeting, 16_000), word: ["order", "check"], scratch })).toBe(true);
    expect(call.received.length - call.greeting.length, "samples of the answer").toBeGreaterThan(16_000);

    // What the server holds, read directly: the row the SessionRoom wrote through, the transcript
    // the runtime reported, and one usage record (written in the terminal write's transaction).
    const row = await db.pool.query<{ status: string; started: boolean; ended: boolean }>("select status, started_at is not null as started, ended_at is not null as ended from sessions where id = $1", [call.sessionId]);
    expect(row.rows).toEqual([{ status: "completed", started: true, ended: true }]);
    const detail = await sessionDetail(stack.url, owner, call.sessionId);
    expect(detail.turns.find((t) => t.role === "agent")?.text).toMatch(/Hello Ada/);
    expect(detail.turns.some((t) => t.role === "user")).toBe(true);
    const usage = await db.pool.query<{ n: number; seconds: number }>("select count(*)::int as n, coalesce(sum(billable_seconds), 0)::int as seconds from usage_records where session_id = $1", [call.sessionId]);
    expect(usage.rows[0]?.n).toBe(1);
    expect(usage.rows[0]?.seconds).toBeGreaterThan(0);
  }, 120_000);
});
