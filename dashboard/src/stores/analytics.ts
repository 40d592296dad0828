// The analytics page's store: GET /v1/spaces/{spaceId}/analytics?from&to&agentId for a preset
// (last 7/30/90 days) or a custom range, checked before asking (a bad range never reaches the
// API), late answers for replaced filters dropped, and the totals row derived from the days. The
// post-call analysis figures (success rate, enum counts) load with it (analytics-analysis.ts).
import { batch, computed, signal } from "@preact/signals";
import { AnalyticsSeries, maxAnalyticsDays, type AnalyticsDay } from "../../../packages/contracts/src/telemetry.ts";
import type { Api } from "../api/client.ts";
import { createAnalysisAnalyticsStore } from "./analytics-analysis.ts";

export type RangePreset = "7" | "30" | "90" | "custom";
export const rangePresets: { value: RangePreset; label: string }[] = [
  { value: "7", label: "Last 7 days" },
  { value: "30", label: "Last 30 days" },
  { value: "90", label: "Last 90 days" },
  { value: "custom", label: "Custom" },
];

/** The form's values: `from`/`to` (YYYY-MM-DD, UTC days, inclusive) count only for "custom". */
export interface AnalyticsFilters {
  agentId: string;
  preset: RangePreset;
  from: string;
  to: string;
}

export const defaultAnalyticsFilters: AnalyticsFilters = { agentId: "", preset: "30", from: "", to: "" };

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of `date`: the API's days are UTC. */
export const utcDay = (date: Date) => date.toISOString().slice(0, 10);

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return utcDay(d);
}

const isDay = (day: string) => dayPattern.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && utcDay(new Date(`${day}T00:00:00Z`)) === day;

/** Days from `from` to `to`, both included. */
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/** The range the filters mean on `today` (a preset ends today), or why it cannot be asked for. */
export function analyticsRange(filters: AnalyticsFilters, today: string): { from: string; to: string } | { error: string } {
  if (filters.preset !== "custom") return { from: addDays(today, 1 - Number(filters.preset)), to: today };
  if (!isDay(filters.from) || !isDay(filters.to)) return { error: "Choose both a start and an end day." };
  if (filters.from > filters.to) return { error: "The start day is after the end day." };
  if (daysBetween(filters.from, filters.to) > maxAnalyticsDays) return { error: `Choose at most ${maxAnalyticsDays} days.` };
  return { from: filters.from, to: filters.to };
}

export interface AnalyticsTotals {
  sessions: number;
  completed: number;
  failed: number;
  voiceMinutes: number;
  toolCalls: number;
  toolErrors: number;
  /** failed / sessions; null without sessions. */
  failureRate: number | null;
  /** toolErrors / toolCalls; null without tool calls. */
  toolErrorRate: number | null;
}

export function analyticsTotals(days: readonly AnalyticsDay[]): AnalyticsTotals {
  const t = { sessions: 0, completed: 0, failed: 0, voiceMinutes: 0, toolCalls: 0, toolErrors: 0 };
  for (const d of days) {
    t.sessions += d.sessions.total;
    t.completed += d.sessions.completed;
    t.failed += d.sessions.failed;
    t.voiceMinutes += d.voiceMinutes;
    t.toolCalls += d.toolCalls;
    t.toolErrors += d.toolErrors;
  }
  return { ...t, failureRate: t.sessions > 0 ? t.failed / t.sessions : null, toolErrorRate: t.toolCalls > 0 ? t.toolErrors / t.toolCalls : null };
}

export type AnalyticsEvent =
  | { type: "loading"; key: string; spaceId: string; filters: AnalyticsFilters }
  | { type: "invalid"; key: string; spaceId: string; filters: AnalyticsFilters; message: string }
  | { type: "loaded"; key: string; series: AnalyticsSeries }
  | { type: "failed"; key: string; message: string };

export const analyticsKey = (spaceId: string, agentId: string, range: { from: string; to: string }) => JSON.stringify([spaceId, agentId, range.from, range.to]);

export function createAnalyticsStore(api: Api, now: () => Date = () => new Date()) {
  const store = {
    key: signal<string | null>(null),
    spaceId: signal<string | null>(null),
    filters: signal<AnalyticsFilters>(defaultAnalyticsFilters),
    series: signal<AnalyticsSeries | null>(null),
    loading: signal(false),
    error: signal<string | null>(null),
  };
  const totals = computed(() => (store.series.value ? analyticsTotals(store.series.value.days) : null));
  const analysis = createAnalysisAnalyticsStore(api);

  /** Loads the series for these filters; a range the form cannot mean sets the error instead. */
  async function load(spaceId: string, filters: AnalyticsFilters = store.filters.value): Promise<void> {
    const range = analyticsRange(filters, utcDay(now()));
    if ("error" in range) {
      applyAnalyticsEvent(store, { type: "invalid", key: JSON.stringify([spaceId, "invalid"]), spaceId, filters, message: range.error });
      analysis.clear();
      return;
    }
    const key = analyticsKey(spaceId, filters.agentId, range);
    applyAnalyticsEvent(store, { type: "loading", key, spaceId, filters });
    // Its failure shows in its own section (the store keeps the error).
    void analysis.load(spaceId, range, filters.agentId);
    try {
      const series = await api.json(AnalyticsSeries, "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/analytics`, {
        query: { from: range.from, to: range.to, agentId: filters.agentId || undefined },
      });
      applyAnalyticsEvent(store, { type: "loaded", key, series });
    } catch (err) {
      applyAnalyticsEvent(store, { type: "failed", key, message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  return { ...store, totals, load, analysis };
}

export type AnalyticsStore = ReturnType<typeof createAnalyticsStore>;
type AnalyticsState = Pick<AnalyticsStore, "key" | "spaceId" | "filters" | "series" | "loading" | "error">;

export function applyAnalyticsEvent(store: AnalyticsState, event: AnalyticsEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
      case "invalid":
        // Another space or range: the old charts would mislead, so they go.
        if (store.key.value !== event.key) store.series.value = null;
        store.key.value = event.key;
        store.spaceId.value = event.spaceId;
        store.filters.value = event.filters;
        store.loading.value = event.type === "loading";
        store.error.value = event.type === "invalid" ? event.message : null;
        return;
      case "loaded":
        if (store.key.value !== event.key) return; // an answer for filters since replaced
        store.series.value = event.series;
        store.loading.value = false;
        store.error.value = null;
        return;
      case "failed":
        if (store.key.value !== event.key) return;
        store.loading.value = false;
        store.error.value = event.message;
        return;
    }
  });
}
