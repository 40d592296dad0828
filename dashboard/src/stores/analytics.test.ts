// The analytics store without a DOM: the range each preset means, custom ranges checked before
// asking, the request it sends to the fake API, late answers and errors, the totals row, the route.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { maxAnalyticsDays, type AnalyticsDay, type AnalyticsSeries } from "../../../packages/contracts/src/telemetry.ts";
import { createApi } from "../api/client.ts";
import { matchRoute, spacePath } from "../router.ts";
import { fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { addDays, analyticsRange, analyticsTotals, createAnalyticsStore, defaultAnalyticsFilters, type AnalyticsFilters } from "./analytics.ts";

const spaceId = newId("space");
const agentId = newId("agent");
const now = () => new Date("2026-11-20T23:30:00.000Z");

/** The series requests go to `handler`; the post-call analysis figures (asked for alongside) get an empty answer. */
function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch((req) => (req.url.includes("/analytics/analysis") ? json({ from: "", to: "", days: [], enums: [] }) : handler(req)));
  const seriesRequests = () => fetch.requests.filter((r) => !r.url.includes("/analytics/analysis"));
  return { fetch, seriesRequests, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

function analyticsDay(day: string, patch: Partial<AnalyticsDay> = {}): AnalyticsDay {
  return {
    day,
    sessions: { total: 0, completed: 0, failed: 0, open: 0 },
    voiceMinutes: 0,
    voiceToVoiceMs: { p50: null, p95: null },
    llmTtftMs: { p50: null, p95: null },
    ttsTtfbMs: { p50: null, p95: null },
    toolCalls: 0,
    toolErrors: 0,
    toolErrorRate: null,
    ...patch,
  };
}

/** What the API answers for a query: every day of the range, zero-filled, one busy day. */
function seriesFor(req: Recorded): AnalyticsSeries {
  const q = new URL(req.url, "http://x.test").searchParams;
  const from = q.get("from") ?? "";
  const to = q.get("to") ?? "";
  const days: AnalyticsDay[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(analyticsDay(d));
  days[0] = analyticsDay(from, { sessions: { total: 4, completed: 2, failed: 1, open: 1 }, voiceMinutes: 12.5, toolCalls: 8, toolErrors: 2, toolErrorRate: 0.25 });
  return { spaceId, agentId: q.get("agentId"), from, to, days, refreshedAt: "2026-11-20T23:00:00.000Z" };
}

describe("analytics ranges", () => {
  it("ends a preset today (UTC) and counts today in it", () => {
    expect(analyticsRange({ ...defaultAnalyticsFilters, preset: "7" }, "2026-11-20")).toEqual({ from: "2026-11-14", to: "2026-11-20" });
    expect(analyticsRange({ ...defaultAnalyticsFilters, preset: "30" }, "2026-03-01")).toEqual({ from: "2026-01-31", to: "2026-03-01" });
    expect(analyticsRange({ ...defaultAnalyticsFilters, preset: "90" }, "2026-11-20")).toEqual({ from: "2026-08-23", to: "2026-11-20" });
  });

  it("checks a custom range: both days, in order, and not longer than the API allows", () => {
    const custom = (from: string, to: string): AnalyticsFilters => ({ agentId: "", preset: "custom", from, to });
    expect(analyticsRange(custom("2026-11-01", "2026-11-03"), "2026-11-20")).toEqual({ from: "2026-11-01", to: "2026-11-03" });
    expect(analyticsRange(custom("", "2026-11-03"), "2026-11-20")).toEqual({ error: "Choose both a start and an end day." });
    expect(analyticsRange(custom("2026-02-30", "2026-03-03"), "2026-11-20")).toHaveProperty("error");
    expect(analyticsRange(custom("2026-11-04", "2026-11-03"), "2026-11-20")).toEqual({ error: "The start day is after the end day." });
    expect(analyticsRange(custom("2025-01-01", "2026-11-03"), "2026-11-20")).toEqual({ error: `Choose at most ${maxAnalyticsDays} days.` });
  });
});

describe("analytics store", () => {
  it("loads the series for the filters with from, to and the agent", async () => {
    const { api, fetch, seriesRequests } = apiWith((req) => json(seriesFor(req)));
    const store = createAnalyticsStore(api, now);
    await store.load(spaceId, { ...defaultAnalyticsFilters, preset: "7", agentId });
    const url = new URL(seriesRequests()[0]!.url, "http://x.test");
    expect(url.pathname).toBe(`/v1/spaces/${spaceId}/analytics`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ from: "2026-11-14", to: "2026-11-20", agentId });
    expect(store.series.value?.days).toHaveLength(7);
    expect([store.loading.value, store.error.value]).toEqual([false, null]);
    expect(store.totals.value).toMatchObject({ sessions: 4, failed: 1, voiceMinutes: 12.5, failureRate: 0.25, toolErrorRate: 0.25 });

    await store.load(spaceId, defaultAnalyticsFilters); // all agents: no agentId at all
    expect(new URL(seriesRequests()[1]!.url, "http://x.test").searchParams.has("agentId")).toBe(false);
    expect(store.series.value?.days).toHaveLength(30);
    // The analysis figures for the same range and agent.
    const analysis = new URL(fetch.requests.find((r) => r.url.includes("/analytics/analysis"))!.url, "http://x.test");
    expect(Object.fromEntries(analysis.searchParams)).toEqual({ from: "2026-11-14", to: "2026-11-20", agentId });
  });

  it("does not ask for a range the form cannot mean, and clears the old charts", async () => {
    const { api, fetch } = apiWith((req) => json(seriesFor(req)));
    const store = createAnalyticsStore(api, now);
    await store.load(spaceId);
    await store.load(spaceId, { agentId: "", preset: "custom", from: "2026-11-10", to: "2026-11-01" });
    expect(fetch.requests).toHaveLength(2); // the series and the analysis figures, once
    expect(store.analysis.data.value).toBeNull();
    expect(store.error.value).toBe("The start day is after the end day.");
    expect(store.series.value).toBeNull();
    expect(store.filters.value.preset).toBe("custom"); // the form keeps what was typed
  });

  it("drops a late answer for filters that were replaced", async () => {
    let releaseSlow: (r: Response) => void = () => {};
    const { api } = apiWith((req) => (req.url.includes("agentId") ? new Promise<Response>((resolve) => (releaseSlow = resolve)) : json(seriesFor(req))));
    const store = createAnalyticsStore(api, now);
    const slow = store.load(spaceId, { ...defaultAnalyticsFilters, agentId });
    await store.load(spaceId, { ...defaultAnalyticsFilters, preset: "7" });
    releaseSlow(json({ ...seriesFor({ method: "GET", url: "/x?from=2026-10-22&to=2026-11-20", headers: {}, body: null }), agentId }));
    await slow;
    expect(store.series.value?.agentId).toBeNull();
    expect(store.series.value?.days).toHaveLength(7);
  });

  it("keeps the API's error and clears it on the next successful load", async () => {
    let fail = true;
    const { api } = apiWith((req) => (fail ? problem("forbidden", 403, "not a member of this space") : json(seriesFor(req))));
    const store = createAnalyticsStore(api, now);
    await expect(store.load(spaceId)).rejects.toThrow("not a member of this space");
    expect([store.loading.value, store.error.value]).toEqual([false, "not a member of this space"]);
    fail = false;
    await store.load(spaceId);
    expect(store.error.value).toBeNull();
    expect(store.series.value).not.toBeNull();
  });

  it("refuses an answer that does not match the contract", async () => {
    const { api } = apiWith(() => json({ spaceId, days: "nope" }));
    const store = createAnalyticsStore(api, now);
    await expect(store.load(spaceId)).rejects.toThrow();
    expect(store.error.value).not.toBeNull();
  });
});

describe("analytics totals", () => {
  it("sums the days and has no rates without sessions or tool calls", () => {
    expect(analyticsTotals([])).toEqual({ sessions: 0, completed: 0, failed: 0, voiceMinutes: 0, toolCalls: 0, toolErrors: 0, failureRate: null, toolErrorRate: null });
    const totals = analyticsTotals([
      analyticsDay("2026-11-01", { sessions: { total: 3, completed: 3, failed: 0, open: 0 }, voiceMinutes: 4, toolCalls: 10, toolErrors: 1 }),
      analyticsDay("2026-11-02", { sessions: { total: 1, completed: 0, failed: 1, open: 0 }, voiceMinutes: 0.5, toolCalls: 0, toolErrors: 0 }),
    ]);
    expect(totals).toEqual({ sessions: 4, completed: 3, failed: 1, voiceMinutes: 4.5, toolCalls: 10, toolErrors: 1, failureRate: 0.25, toolErrorRate: 0.1 });
  });
});

describe("analytics route", () => {
  it("matches /app/spaces/:spaceId/analytics and builds it back", () => {
    expect(spacePath(spaceId, "analytics")).toBe(`/app/spaces/${spaceId}/analytics`);
    expect(matchRoute(`/app/spaces/${spaceId}/analytics`, "")).toEqual({ name: "analytics", spaceId });
  });
});
