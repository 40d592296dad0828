import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { sessions, sessionToolCalls } from "@speaknode/db";
import { call, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";
import { refreshAnalytics, refreshAnalyticsForSessions } from "./refresh.ts";
import { addToolCall, seedSessions, storedRows } from "./testing.ts";

const d1 = "2026-03-01";
const d2 = "2026-03-02";

let w: World;
let agentA: string;
let agentB: string;
let ids: string[];

beforeAll(async () => {
  w = await makeWorld();
  agentA = w.agentId;
  const b = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ name: "Sales agent" }) });
  agentB = String(b.body["id"]);
  ids = await seedSessions(w.spaceId, [
    // Agent A, day 1: completed (2 min), failed across midnight (1 min, counted on its creation day), still active.
    { agentId: agentA, status: "completed", createdAt: `${d1}T10:00:00Z`, startedAt: `${d1}T10:00:05Z`, endedAt: `${d1}T10:02:05Z`, turns: [{ voiceToVoiceMs: 800, llmTtftMs: 200, ttsTtfbMs: 100 }, { voiceToVoiceMs: 1000, llmTtftMs: 400, ttsTtfbMs: 300 }] },
    { agentId: agentA, status: "failed", createdAt: `${d1}T23:59:59Z`, startedAt: `${d1}T23:59:59Z`, endedAt: `${d2}T00:00:59Z`, turns: [{ voiceToVoiceMs: 1200 }, { voiceToVoiceMs: 2000 }], tools: ["ok", "error", "timeout"] },
    { agentId: agentA, status: "active", createdAt: `${d1}T12:00:00Z`, startedAt: `${d1}T12:00:01Z`, turns: [{ voiceToVoiceMs: 600 }] },
    // Agent B, day 1: one completed session of 30 s.
    { agentId: agentB, status: "completed", createdAt: `${d1}T08:00:00Z`, startedAt: `${d1}T08:00:00Z`, endedAt: `${d1}T08:00:30Z`, turns: [{ voiceToVoiceMs: 500 }], tools: ["ok"] },
    // Day 2: A pending at exactly midnight UTC, B completed (90 s) with two good tool calls.
    { agentId: agentA, status: "pending", createdAt: `${d2}T00:00:00Z` },
    { agentId: agentB, status: "completed", createdAt: `${d2}T09:00:00Z`, startedAt: `${d2}T09:00:00Z`, endedAt: `${d2}T09:01:30Z`, tools: ["ok", "ok"] },
  ]);
  // Another space's session on the same day must not leak into this space.
  await seedSessions(w.otherSpaceId, [{ agentId: w.otherAgentId, status: "completed", createdAt: `${d1}T10:00:00Z`, startedAt: `${d1}T10:00:00Z`, endedAt: `${d1}T11:00:00Z` }]);
});

describe("analytics refresh: daily aggregates in Postgres", () => {
  it("counts sessions by status, voice time, turn latency percentiles and tool errors per agent and UTC day", async () => {
    const result = await withDb((db) => refreshAnalytics(db, { from: d1, to: d2, spaceId: w.spaceId }));
    expect(result.rows).toBe(6);
    const rows = await storedRows(w.spaceId);
    expect(rows.get(`${d1}/${agentA}`)).toMatchObject({
      sessionsTotal: 3,
      sessionsCompleted: 1,
      sessionsFailed: 1,
      sessionsOpen: 1,
      voiceMs: 180_000,
      // 600, 800, 1000, 1200, 2000: p95 interpolates 80% of the way from 1200 to 2000.
      voiceToVoiceP50Ms: 1000,
      voiceToVoiceP95Ms: 1840,
      llmTtftP50Ms: 300,
      llmTtftP95Ms: 390,
      ttsTtfbP50Ms: 200,
      ttsTtfbP95Ms: 290,
      toolCalls: 3,
      toolErrors: 2,
    });
    expect(rows.get(`${d1}/${agentB}`)).toMatchObject({ sessionsTotal: 1, sessionsCompleted: 1, voiceMs: 30_000, voiceToVoiceP50Ms: 500, voiceToVoiceP95Ms: 500, llmTtftP50Ms: null, toolCalls: 1, toolErrors: 0 });
    expect(rows.get(`${d2}/${agentA}`)).toMatchObject({ sessionsTotal: 1, sessionsOpen: 1, voiceMs: 0, voiceToVoiceP50Ms: null, toolCalls: 0 });
    expect(rows.get(`${d2}/${agentB}`)).toMatchObject({ sessionsTotal: 1, sessionsCompleted: 1, voiceMs: 90_000, toolCalls: 2, toolErrors: 0 });
  });

  it("computes the whole-space row from all turns of the day, not from the per-agent rows", async () => {
    await withDb((db) => refreshAnalytics(db, { from: d1, to: d2, spaceId: w.spaceId }));
    const rows = await storedRows(w.spaceId);
    expect(rows.get(`${d1}/`)).toMatchObject({
      sessionsTotal: 4,
      sessionsCompleted: 2,
      sessionsFailed: 1,
      sessionsOpen: 1,
      voiceMs: 210_000,
      // 500, 600, 800, 1000, 1200, 2000
      voiceToVoiceP50Ms: 900,
      voiceToVoiceP95Ms: 1800,
      llmTtftP50Ms: 300,
      toolCalls: 4,
      toolErrors: 2,
    });
    expect(rows.get(`${d2}/`)).toMatchObject({ sessionsTotal: 2, sessionsCompleted: 1, sessionsOpen: 1, voiceMs: 90_000, toolCalls: 2 });
    expect(rows.size).toBe(6);
  });

  it("is idempotent: refreshing again writes the same rows", async () => {
    await withDb((db) => refreshAnalytics(db, { from: d1, to: d2, spaceId: w.spaceId }));
    const before = await storedRows(w.spaceId);
    await withDb((db) => refreshAnalytics(db, { from: d1, to: d2, spaceId: w.spaceId }));
    const after = await storedRows(w.spaceId);
    const strip = (m: typeof before) => [...m.entries()].map(([k, { refreshedAt: _r, ...rest }]) => [k, rest]);
    expect(strip(after)).toEqual(strip(before));
  });

  it("is exact after the data changed: updated counts, and rows without data any more are removed", async () => {
    const [s1, , s3, s4] = ids;
    await withDb(async (db) => {
      // The active session ends, a tool call fails on agent B's day-1 session, then that session is deleted.
      await db.update(sessions).set({ status: "completed", endedAt: new Date(`${d1}T12:00:31Z`) }).where(eq(sessions.id, s3 ?? ""));
      await addToolCall(db, s1 ?? "", "late-tool", "error");
      await db.delete(sessions).where(eq(sessions.id, s4 ?? ""));
      await refreshAnalyticsForSessions(db, [s1 ?? "", s3 ?? ""]);
    });
    const rows = await storedRows(w.spaceId);
    expect(rows.get(`${d1}/${agentA}`)).toMatchObject({ sessionsTotal: 3, sessionsCompleted: 2, sessionsOpen: 0, voiceMs: 210_000, toolCalls: 4, toolErrors: 3 });
    expect(rows.has(`${d1}/${agentB}`)).toBe(false);
    expect(rows.get(`${d1}/`)).toMatchObject({ sessionsTotal: 3, voiceMs: 210_000, voiceToVoiceP50Ms: 1000, toolCalls: 4, toolErrors: 3 });
    // Day 2 was not touched by those sessions.
    expect(rows.get(`${d2}/`)).toMatchObject({ sessionsTotal: 2 });
  });

  it("counts a session whose agent was deleted only in the whole-space row", async () => {
    const day = "2026-04-10";
    const [orphan] = await seedSessions(w.spaceId, [{ agentId: null, status: "completed", createdAt: `${day}T10:00:00Z`, startedAt: `${day}T10:00:00Z`, endedAt: `${day}T10:01:00Z`, tools: ["error"] }]);
    await withDb((db) => refreshAnalyticsForSessions(db, [orphan ?? ""]));
    const rows = [...(await storedRows(w.spaceId)).entries()].filter(([k]) => k.startsWith(day));
    expect(rows.map(([k]) => k)).toEqual([`${day}/`]);
    expect(rows[0]?.[1]).toMatchObject({ sessionsTotal: 1, voiceMs: 60_000, toolErrors: 1 });
  });

  it("keeps other spaces apart and refreshes every space when none is named", async () => {
    expect((await storedRows(w.otherSpaceId)).size).toBe(0);
    await withDb((db) => refreshAnalytics(db, { from: d1, to: d1 }));
    const other = await storedRows(w.otherSpaceId);
    expect(other.get(`${d1}/`)).toMatchObject({ sessionsTotal: 1, voiceMs: 3_600_000 });
    expect(other.get(`${d1}/${w.otherAgentId}`)).toMatchObject({ sessionsTotal: 1 });
  });

  it("ignores unknown session ids and an empty list", async () => {
    await withDb(async (db) => {
      await refreshAnalyticsForSessions(db, []);
      await refreshAnalyticsForSessions(db, ["ses_00000000000000000000000000"]);
    });
    const count = await withDb((db) => db.select().from(sessionToolCalls).where(eq(sessionToolCalls.sessionId, "ses_00000000000000000000000000")));
    expect(count).toEqual([]);
  });
});
