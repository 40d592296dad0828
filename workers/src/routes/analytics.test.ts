import { beforeAll, describe, expect, it } from "vitest";
import { AnalyticsSeries, maxAnalyticsDays } from "@speaknode/contracts";
import { call, expectProblem, makeWorld, newUser, type TestUser, type World } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";
import { addDays, utcDay } from "../analytics/days.ts";
import { seedSessions, storedRows } from "../analytics/testing.ts";

const d1 = "2026-05-10";
const d2 = "2026-05-11";

let w: World;
let admin: TestUser;
let agentB: string;

beforeAll(async () => {
  w = await makeWorld();
  admin = await newUser({ roles: ["platform-admin"] });
  const b = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ name: "Sales agent" }) });
  agentB = String(b.body["id"]);
  await seedSessions(w.spaceId, [
    { agentId: w.agentId, status: "completed", createdAt: `${d1}T10:00:00Z`, startedAt: `${d1}T10:00:00Z`, endedAt: `${d1}T10:01:30Z`, turns: [{ voiceToVoiceMs: 700, llmTtftMs: 250, ttsTtfbMs: 90 }], tools: ["ok", "error", "ok", "timeout"] },
    { agentId: agentB, status: "failed", createdAt: `${d1}T11:00:00Z`, startedAt: `${d1}T11:00:00Z`, endedAt: `${d1}T11:00:30Z` },
    { agentId: agentB, status: "completed", createdAt: `${addDays(d2, 1)}T09:00:00Z`, startedAt: `${addDays(d2, 1)}T09:00:00Z`, endedAt: `${addDays(d2, 1)}T09:03:00Z` },
  ]);
  const refreshed = await call("POST", "/v1/admin/analytics/refresh", { token: admin.token, json: { from: d1, to: addDays(d2, 1), spaceId: w.spaceId } });
  if (refreshed.status !== 200) throw new Error(`refresh failed: ${refreshed.status} ${refreshed.text}`);
});

const get = (query: string, token = w.member.token) => call("GET", `/v1/spaces/${w.spaceId}/analytics${query}`, { token });

describe("GET /v1/spaces/{id}/analytics", () => {
  it("returns every day of the range, zero-filled, with the whole space's numbers", async () => {
    const res = await get(`?from=${d1}&to=${d2}`);
    expect(res.status).toBe(200);
    const series = AnalyticsSeries.parse(res.body);
    expect(series).toMatchObject({ spaceId: w.spaceId, agentId: null, from: d1, to: d2 });
    expect(series.refreshedAt).not.toBeNull();
    expect(series.days).toEqual([
      {
        day: d1,
        sessions: { total: 2, completed: 1, failed: 1, open: 0 },
        voiceMinutes: 2,
        voiceToVoiceMs: { p50: 700, p95: 700 },
        llmTtftMs: { p50: 250, p95: 250 },
        ttsTtfbMs: { p50: 90, p95: 90 },
        toolCalls: 4,
        toolErrors: 2,
        toolErrorRate: 0.5,
      },
      {
        day: d2,
        sessions: { total: 0, completed: 0, failed: 0, open: 0 },
        voiceMinutes: 0,
        voiceToVoiceMs: { p50: null, p95: null },
        llmTtftMs: { p50: null, p95: null },
        ttsTtfbMs: { p50: null, p95: null },
        toolCalls: 0,
        toolErrors: 0,
        toolErrorRate: null,
      },
    ]);
  });

  it("filters to one agent of the space", async () => {
    const res = await get(`?from=${d1}&to=${addDays(d2, 1)}&agentId=${agentB}`);
    expect(res.status).toBe(200);
    const series = AnalyticsSeries.parse(res.body);
    expect(series.agentId).toBe(agentB);
    expect(series.days.map((d) => [d.day, d.sessions.total, d.sessions.failed, d.voiceMinutes, d.toolErrorRate])).toEqual([
      [d1, 1, 1, 0.5, null],
      [d2, 0, 0, 0, null],
      [addDays(d2, 1), 1, 0, 3, null],
    ]);
  });

  it("defaults to the last 30 days ending today (UTC), and answers API keys of the space", async () => {
    const res = await get("", w.apiKey);
    expect(res.status).toBe(200);
    const series = AnalyticsSeries.parse(res.body);
    const today = utcDay(new Date());
    expect(series).toMatchObject({ from: addDays(today, -29), to: today, refreshedAt: null });
    expect(series.days).toHaveLength(30);
    expect(series.days.every((d) => d.sessions.total === 0)).toBe(true);
  });

  it("refuses a range that ends before it starts, or is too long, with a problem naming the field", async () => {
    const backwards = await get(`?from=${d2}&to=${d1}`);
    expectProblem(backwards, 400, "validation_failed");
    expect(backwards.body["errors"]).toEqual([expect.objectContaining({ field: "query.to" })]);
    const tooLong = await get(`?from=${addDays(d1, -maxAnalyticsDays)}&to=${d1}`);
    expectProblem(tooLong, 400, "validation_failed");
    expect(tooLong.body["errors"]).toEqual([expect.objectContaining({ field: "query.from" })]);
    expect((await get(`?from=${addDays(d1, -(maxAnalyticsDays - 1))}&to=${d1}`)).status).toBe(200);
  });

  it("refuses malformed days, agent ids and unknown parameters", async () => {
    for (const query of ["?from=2026-13-01", "?to=10/05/2026", "?agentId=nope", "?spaceWide=1"]) {
      expectProblem(await get(query), 400, "validation_failed");
    }
  });

  it("answers 404 for an agent of another space or none at all", async () => {
    expectProblem(await get(`?agentId=${w.otherAgentId}`), 404, "not_found");
    expectProblem(await get("?agentId=agt_00000000000000000000000000"), 404, "not_found");
  });

  it("refuses another space's analytics as if it did not exist", async () => {
    expectProblem(await call("GET", `/v1/spaces/${w.otherSpaceId}/analytics`, { token: w.member.token }), 404, "not_found");
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/analytics`, { token: w.outsider.token }), 404, "not_found");
  });
});

describe("POST /v1/admin/analytics/refresh", () => {
  it("recomputes a range for one space and reports the rows written", async () => {
    const res = await call("POST", "/v1/admin/analytics/refresh", { token: admin.token, json: { from: d1, to: d2, spaceId: w.spaceId } });
    expect(res.status).toBe(200);
    // Day 1: the whole space and both agents; day 2 has no sessions.
    expect(res.body).toEqual({ rows: 3 });
    expect([...(await storedRows(w.spaceId)).keys()].sort()).toEqual([`${d1}/`, `${d1}/${agentB}`, `${d1}/${w.agentId}`, `${addDays(d2, 1)}/`, `${addDays(d2, 1)}/${agentB}`].sort());
  });

  it("refuses a backwards or too long range and unknown fields", async () => {
    const send = (json: unknown) => call("POST", "/v1/admin/analytics/refresh", { token: admin.token, json });
    expectProblem(await send({ from: d2, to: d1 }), 400, "validation_failed");
    expectProblem(await send({ from: addDays(d1, -maxAnalyticsDays), to: d1 }), 400, "validation_failed");
    expectProblem(await send({ from: d1, to: d2, everything: true }), 400, "validation_failed");
    expectProblem(await send({ from: d1 }), 400, "validation_failed");
  });

  it("is for the platform Admin only", async () => {
    expectProblem(await call("POST", "/v1/admin/analytics/refresh", { token: w.owner.token, json: { from: d1, to: d2 } }), 403, "forbidden");
  });
});

describe("analytics in the OpenAPI document", () => {
  it("documents both operations and the series schema", async () => {
    const res = await call("GET", "/openapi.json");
    const paths = res.body["paths"] as Record<string, Record<string, unknown>>;
    expect(paths["/v1/spaces/{spaceId}/analytics"]?.["get"]).toBeDefined();
    expect(paths["/v1/admin/analytics/refresh"]?.["post"]).toBeDefined();
    expect(Object.keys((res.body["components"] as { schemas: Record<string, unknown> }).schemas)).toEqual(expect.arrayContaining(["AnalyticsSeries", "AnalyticsDay"]));
  });
});
