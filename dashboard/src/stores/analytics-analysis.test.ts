// The analytics page's post-call analysis without a DOM: success lines per day, totals, enum counts,
// and the store's request, late answers and errors.
import { describe, expect, it } from "vitest";
import type { AnalysisAnalytics } from "../../../packages/contracts/src/analysis.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { createAnalysisAnalyticsStore, enumGroups, maxAgentLines, successLines, successTotals } from "./analytics-analysis.ts";

const spaceId = newId("space");
const a1 = newId("agent");
const a2 = newId("agent");
const day = (d: string, agentId: string | null, evaluated: number, succeeded: number, analysed = evaluated) => ({ day: d, agentId, analysed, evaluated, succeeded, successRate: evaluated > 0 ? succeeded / evaluated : null });

const sample: AnalysisAnalytics = {
  from: "2026-11-01",
  to: "2026-11-03",
  days: [day("2026-11-01", null, 4, 3), day("2026-11-02", null, 0, 0, 1), day("2026-11-03", null, 2, 0), day("2026-11-01", a1, 3, 3), day("2026-11-01", a2, 1, 0), day("2026-11-03", a2, 3, 0), day("2026-11-02", a1, 0, 0, 1)],
  enums: [
    { agentId: a1, field: "reason", value: "order", count: 3 },
    { agentId: a1, field: "reason", value: "refund", count: 1 },
    { agentId: a1, field: "mood", value: "happy", count: 0 },
  ],
};

describe("analysis analytics views", () => {
  it("draws the success rate of every day for all agents, then each agent by sessions evaluated (gaps where none was)", () => {
    const { days, lines } = successLines(sample);
    expect(days).toEqual(["2026-11-01", "2026-11-02", "2026-11-03"]);
    // Agent 2 had 4 sessions evaluated, agent 1 had 3.
    expect(lines.map((l) => [l.agentId, l.values])).toEqual([
      [null, [0.75, null, 0]],
      [a2, [0, null, 0]],
      [a1, [1, null, null]],
    ]);
  });

  it("keeps the chart legible: at most a few agents get a line", () => {
    const many: AnalysisAnalytics = { ...sample, days: [day("2026-11-01", null, 10, 5), ...Array.from({ length: 10 }, (_, i) => day("2026-11-01", newId("agent"), i + 1, 1))] };
    expect(successLines(many).lines).toHaveLength(maxAgentLines + 1);
  });

  it("totals the range from the all-agents rows: rate over evaluated sessions", () => {
    expect(successTotals(sample)).toEqual({ analysed: 7, evaluated: 6, succeeded: 3, rate: 0.5 });
    expect(successTotals({ ...sample, days: [] }).rate).toBeNull();
  });

  it("groups enum counts per agent and field with each value's share", () => {
    expect(enumGroups(sample)).toEqual([
      { agentId: a1, field: "reason", total: 4, values: [{ value: "order", count: 3, share: 0.75 }, { value: "refund", count: 1, share: 0.25 }] },
      { agentId: a1, field: "mood", total: 0, values: [{ value: "happy", count: 0, share: null }] },
    ]);
  });
});

describe("analysis analytics store", () => {
  const apiWith = (handler: (req: Recorded) => Response | Promise<Response>) => {
    const fetch = fakeFetch(handler);
    return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
  };

  it("asks for the range and agent, and keeps an error of its own", async () => {
    const { api, fetch } = apiWith(() => json(sample));
    const store = createAnalysisAnalyticsStore(api);
    await store.load(spaceId, { from: "2026-11-01", to: "2026-11-03" }, a1);
    const url = new URL(fetch.requests[0]!.url, "http://x.test");
    expect(url.pathname).toBe(`/v1/spaces/${spaceId}/analytics/analysis`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ from: "2026-11-01", to: "2026-11-03", agentId: a1 });
    expect(store.data.value?.enums).toHaveLength(3);
    const failing = createAnalysisAnalyticsStore(apiWith(() => problem("forbidden", 403, "not a member of this space")).api);
    await failing.load(spaceId, { from: "2026-11-01", to: "2026-11-03" }, "");
    expect([failing.loading.value, failing.error.value, failing.data.value]).toEqual([false, "not a member of this space", null]);
  });

  it("drops a late answer for a replaced range", async () => {
    let release: (r: Response) => void = () => {};
    const { api } = apiWith((req) => (req.url.includes("agentId") ? new Promise<Response>((resolve) => (release = resolve)) : json(sample)));
    const store = createAnalysisAnalyticsStore(api);
    const slow = store.load(spaceId, { from: "2026-11-01", to: "2026-11-03" }, a2);
    await store.load(spaceId, { from: "2026-11-01", to: "2026-11-03" }, "");
    release(json({ ...sample, enums: [] }));
    await slow;
    expect(store.data.value?.enums).toHaveLength(3);
  });
});
