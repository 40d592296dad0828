// A call heard through the production database path: the whole local stack on a real PostgreSQL
// server (Debian's, started here by scripts/postgres.ts) instead of PGlite, with the Worker and its
// Durable Objects on Neon's driver over the local WebSocket proxy, as they run against Neon. A
// caller dispatches the demo agent through the public endpoint, hears its greeting (pocketsphinx
// spots the words in the audio the agent sent), asks a question, hears an answer and hangs up.
// Then the server itself says what happened: the session's row completed (written through by the
// SessionRoom), its transcript, and its usage recorded once in the same transaction.
// The Worker serves build/public: build first (`npx node scripts/build.ts`).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, demoAgentId, type DatabaseHandle } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { connectLocalMedia } from "../voice-runtime/src/transport/local/client.ts";
import { encodeWav } from "../voice-runtime/src/audio/wav.ts";
import { speak } from "../voice-runtime/test/speak.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { startPostgresServer, type PostgresServer } from "../scripts/postgres.ts";
import { token } from "../scripts/bench/api.ts";
import { heardInWav } from "./line-asr.ts";
import { sessionDetail } from "./lib.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-production-"));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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

    const res = await fetch(`${stack.url}/public/agents/${demoAgentId}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ variables: { customer_name: "Ada" } }) });
    expect(res.status).toBe(201);
    const session = (await res.json()) as { sessionId: string; media: { url: string; token: string } };
    const caller = connectLocalMedia({ url: session.media.url, token: session.media.token, sampleRateHz: 16_000 });
    await caller.ready;
    await caller.untilAgentQuiet(1200, 20_000);
    expect(caller.endReason, "the call is still up after the greeting").toBeFalsy();
    const greeting = caller.receivedPcm();
    // "Hello Ada! This is the Speaknode demo. I can check an order for you."
    expect(greeting.length / 16_000, "seconds of greeting").toBeGreaterThan(1.5);
    expect(heardInWav({ wav: encodeWav(greeting, 16_000), word: ["order", "check"], scratch })).toBe(true);

    const speechDir = join(scratch, "speech");
    mkdirSync(speechDir, { recursive: true });
    await caller.streamPcm(speak("what are your opening hours", speechDir), { realtime: true });
    await caller.streamPcm(new Int16Array(8000), { realtime: true });
    await caller.untilAgentQuiet(1200, 20_000);
    expect(caller.receivedPcm().length - greeting.length, "samples of the answer").toBeGreaterThan(16_000);
    await caller.end("caller hung up");

    const owner = await token(stack.url);
    let status = "";
    for (let i = 0; i < 60 && status !== "completed" && status !== "failed"; i++) {
      status = (await sessionDetail(stack.url, owner, session.sessionId)).status;
      if (status !== "completed") await sleep(500);
    }
    expect(status).toBe("completed");

    // What the server holds, read directly: the row the SessionRoom wrote through, the transcript
    // the runtime reported, and one usage record (written in the terminal write's transaction).
    const row = await db.pool.query<{ status: string; started: boolean; ended: boolean }>("select status, started_at is not null as started, ended_at is not null as ended from sessions where id = $1", [session.sessionId]);
    expect(row.rows).toEqual([{ status: "completed", started: true, ended: true }]);
    const detail = await sessionDetail(stack.url, owner, session.sessionId);
    expect(detail.turns.find((t) => t.role === "agent")?.text).toMatch(/Hello Ada/);
    expect(detail.turns.some((t) => t.role === "user")).toBe(true);
    const usage = await db.pool.query<{ n: number; seconds: number }>("select count(*)::int as n, coalesce(sum(billable_seconds), 0)::int as seconds from usage_records where session_id = $1", [session.sessionId]);
    expect(usage.rows[0]?.n).toBe(1);
    expect(usage.rows[0]?.seconds).toBeGreaterThan(0);
  }, 120_000);
});
