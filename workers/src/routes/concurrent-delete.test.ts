// A delete that cascades through a space or an agent can deadlock with a concurrent transaction
// that locks the same rows in the other order (a webhook fan-out inserting deliveries did, in CI).
// Postgres breaks the cycle by rolling one side back with 40P01. The space delete runs again; any
// other request that loses answers 409 with Retry-After and has written nothing — never a 500.
// Each test builds the cycle on purpose: a second connection holds a row the cascade needs, waits
// until the request blocks on it, then asks for a row the request holds. The request waited first,
// so its deadlock check fires first and it is the one rolled back. PGlite has one connection and
// no lock waits, so this runs on the real PostgreSQL server only (`npm run test:postgres`).
import { describe, expect, inject, it } from "vitest";
import { sql, type SQL } from "drizzle-orm";
import { call, expectProblem, makeWorld, withDb, type CallResult } from "../../test/helpers.ts";
import { toolBody, agentBody } from "../../test/fixtures.ts";

/** Waits until a `delete from "<table>"` statement of another connection is waiting for a lock. */
function blockedDelete(table: string): Promise<void> {
  return withDb(async (db) => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const result = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like ${`delete from "${table}"%`}`);
      if ((result.rows[0]?.n ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no delete from ${table} ever waited for a lock`);
  });
}

/** Sends `request` while another transaction holds `first`, then makes that transaction ask for
 *  `second` (which the request holds): a deadlock Postgres breaks by rolling the request back. */
async function deadlocked(request: () => Promise<CallResult>, table: string, first: SQL, second: SQL): Promise<CallResult> {
  const response = await withDb((db) =>
    db.transaction(async (tx) => {
      await tx.execute(first);
      const sent = request();
      await blockedDelete(table);
      await tx.execute(second);
      return { sent }; // wrapped: the transaction must commit without waiting for the response
    }),
  );
  return await response.sent;
}

describe.runIf(inject("databaseKind") === "external")("a delete that deadlocks with a concurrent transaction", () => {
  it("deleting a space is run again after Postgres rolls it back, and the space is gone", async () => {
    const w = await makeWorld();
    const res = await deadlocked(
      () => call("DELETE", `/v1/spaces/${w.spaceId}`, { token: w.owner.token }),
      "spaces",
      sql`select id from agents where space_id = ${w.spaceId} for key share`,
      sql`select id from spaces where id = ${w.spaceId} for key share`,
    );
    expect(res.status, res.text).toBe(204);
    expect((await call("GET", `/v1/spaces/${w.spaceId}`, { token: w.owner.token })).status).toBe(404);
  });

  it("any other request that loses answers 409 with Retry-After, and nothing is deleted", async () => {
    const w = await makeWorld();
    const tool = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody() });
    const agent = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ tools: [{ type: "webhook", toolId: tool.body["id"] }] }) });
    expect(agent.status, agent.text).toBe(201);
    const agentId = String(agent.body["id"]);
    const res = await deadlocked(
      () => call("DELETE", `/v1/agents/${agentId}`, { token: w.owner.token }),
      "agents",
      sql`select agent_id from agent_tools where agent_id = ${agentId} for key share`,
      sql`select id from agents where id = ${agentId} for key share`,
    );
    expectProblem(res, 409, "conflict");
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await call("GET", `/v1/agents/${agentId}`, { token: w.owner.token })).status).toBe(200);
  });
});
