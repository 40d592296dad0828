import { env } from "cloudflare:workers";
import { createScheduledController } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { makeWorld, type World } from "../../test/helpers.ts";
import { dispatched, postEvent } from "../runtime/testing.ts";
import worker from "../index.ts";
import { utcDay } from "./days.ts";
import { runScheduledRefresh } from "./background.ts";
import { recordingFetch, seedSessions, storedRows } from "./testing.ts";

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});

describe("the scheduled analytics refresh", () => {
  it("refreshes today and yesterday (UTC) of every space with sessions, and leaves older days alone", async () => {
    await seedSessions(w.spaceId, [
      { agentId: w.agentId, status: "completed", createdAt: "2026-06-01T23:30:00Z", startedAt: "2026-06-01T23:30:00Z", endedAt: "2026-06-01T23:31:00Z" },
      { agentId: w.agentId, status: "active", createdAt: "2026-06-02T00:01:00Z", startedAt: "2026-06-02T00:01:00Z" },
      { agentId: w.agentId, status: "completed", createdAt: "2026-05-31T12:00:00Z" },
    ]);
    await seedSessions(w.otherSpaceId, [{ agentId: w.otherAgentId, status: "pending", createdAt: "2026-06-02T00:02:00Z" }]);

    const controller = createScheduledController({ scheduledTime: new Date("2026-06-02T00:10:00Z"), cron: "*/10 * * * *" });
    // Awaited by the runtime: the refresh is done (or has failed the invocation) when it resolves.
    await worker.scheduled(controller, env);

    const rows = await storedRows(w.spaceId);
    expect(rows.get("2026-06-01/")).toMatchObject({ sessionsTotal: 1, sessionsCompleted: 1, voiceMs: 60_000 });
    expect(rows.get("2026-06-02/")).toMatchObject({ sessionsTotal: 1, sessionsOpen: 1 });
    expect(rows.has("2026-05-31/")).toBe(false);
    expect((await storedRows(w.otherSpaceId)).get("2026-06-02/")).toMatchObject({ sessionsTotal: 1, sessionsOpen: 1 });
  });

  it("also feeds the configured ClickHouse sink", async () => {
    await seedSessions(w.spaceId, [{ agentId: w.agentId, status: "failed", createdAt: "2026-06-11T08:00:00Z" }]);
    const clickhouse = recordingFetch();
    const withClickHouse = { ...env, CLICKHOUSE_URL: "https://ch.example.test:8443" };
    await runScheduledRefresh(withClickHouse, new Date("2026-06-11T09:00:00Z"), { fetch: clickhouse.fetch });
    const rows = clickhouse.requests.flatMap((r) => r.body.trim().split("\n")).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toContainEqual(expect.objectContaining({ day: "2026-06-11", space_id: w.spaceId, agent_id: "", sessions_failed: 1 }));
  });

  it("fails the invocation (and logs) when the database cannot be reached", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    // Same local proxy (its setting is process-wide), but a database address nothing listens on.
    const broken = { ...env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
    await expect(runScheduledRefresh(broken, new Date("2026-06-02T00:10:00Z"))).rejects.toThrow();
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("scheduled analytics refresh failed"));
    errors.mockRestore();
  });
});

describe("a session's end", () => {
  it("refreshes its space's analytics for the day, without the runtime waiting for it", async () => {
    const { world, sessionId } = await dispatched(w);
    expect((await postEvent(sessionId, "a1", { type: "agent.ready" })).status).toBe(200);
    expect((await postEvent(sessionId, "a2", { type: "tool.call", toolCallId: "c1", name: "order_status", request: {}, status: "error", latencyMs: 30 })).status).toBe(200);
    expect((await postEvent(sessionId, "a3", { type: "completed", tokenUsage: { prompt: 10, completion: 5 }, durationMs: 1000 })).status).toBe(200);

    const today = utcDay(new Date());
    // The refresh runs in the room's waitUntil, after the answer: poll for it.
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      row = (await storedRows(world.spaceId)).get(`${today}/${world.agentId}`);
      if (!row) await new Promise((r) => setTimeout(r, 100));
    }
    expect(row).toMatchObject({ sessionsTotal: 1, sessionsCompleted: 1, sessionsOpen: 0 });
  });
});
