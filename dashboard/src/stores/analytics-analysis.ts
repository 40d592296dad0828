// The analytics page's post-call analysis: GET /v1/spaces/{spaceId}/analytics/analysis for the
// page's range and agent, kept apart from the daily series (its own error: one failing never hides
// the other), and the pure views the page draws — the success rate per day for all agents and for
// each agent, the range's totals, and the counts of each enum field's values.
import { batch, signal } from "@preact/signals";
import { AnalysisAnalytics } from "../../../packages/contracts/src/analysis.ts";
import type { Api } from "../api/client.ts";

/** At most this many agents get their own line (the busiest); the "All agents" line counts every one. */
export const maxAgentLines = 6;

export interface SuccessLine {
  key: string;
  agentId: string | null;
  /** Success rate per day of the range (null: nothing evaluated that day). */
  values: (number | null)[];
  evaluated: number;
}

/** Every day of the range's success rate, all agents first, then each agent by sessions evaluated. */
export function successLines(a: AnalysisAnalytics): { days: string[]; lines: SuccessLine[] } {
  const totals = a.days.filter((d) => d.agentId === null);
  const days = totals.map((d) => d.day);
  const byAgent = new Map<string, Map<string, (typeof a.days)[number]>>();
  for (const d of a.days) {
    if (d.agentId === null) continue;
    const m = byAgent.get(d.agentId) ?? new Map();
    m.set(d.day, d);
    byAgent.set(d.agentId, m);
  }
  const agentLines: SuccessLine[] = [...byAgent].map(([agentId, m]) => ({
    key: agentId,
    agentId,
    values: days.map((day) => m.get(day)?.successRate ?? null),
    evaluated: [...m.values()].reduce((n, d) => n + d.evaluated, 0),
  }));
  agentLines.sort((x, y) => y.evaluated - x.evaluated || x.key.localeCompare(y.key));
  const all: SuccessLine = { key: "all", agentId: null, values: totals.map((d) => d.successRate), evaluated: totals.reduce((n, d) => n + d.evaluated, 0) };
  return { days, lines: [all, ...agentLines.filter((l) => l.evaluated > 0).slice(0, maxAgentLines)] };
}

export interface SuccessTotals {
  analysed: number;
  evaluated: number;
  succeeded: number;
  rate: number | null;
}

export function successTotals(a: AnalysisAnalytics): SuccessTotals {
  const t = { analysed: 0, evaluated: 0, succeeded: 0 };
  for (const d of a.days) {
    if (d.agentId !== null) continue;
    t.analysed += d.analysed;
    t.evaluated += d.evaluated;
    t.succeeded += d.succeeded;
  }
  return { ...t, rate: t.evaluated > 0 ? t.succeeded / t.evaluated : null };
}

export interface EnumGroup {
  agentId: string | null;
  field: string;
  total: number;
  values: { value: string; count: number; share: number | null }[];
}

/** The counts grouped per agent and field, values in the settings' order. */
export function enumGroups(a: AnalysisAnalytics): EnumGroup[] {
  const groups = new Map<string, EnumGroup>();
  for (const e of a.enums) {
    const key = JSON.stringify([e.agentId, e.field]);
    const g = groups.get(key) ?? { agentId: e.agentId, field: e.field, total: 0, values: [] };
    g.values.push({ value: e.value, count: e.count, share: null });
    g.total += e.count;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ ...g, values: g.values.map((v) => ({ ...v, share: g.total > 0 ? v.count / g.total : null })) }));
}

export function createAnalysisAnalyticsStore(api: Api) {
  const key = signal<string | null>(null);
  const data = signal<AnalysisAnalytics | null>(null);
  const loading = signal(false);
  const error = signal<string | null>(null);

  async function load(spaceId: string, range: { from: string; to: string }, agentId: string): Promise<void> {
    const k = JSON.stringify([spaceId, agentId, range.from, range.to]);
    batch(() => {
      if (key.value !== k) data.value = null;
      key.value = k;
      loading.value = true;
      error.value = null;
    });
    try {
      const answer = await api.json(AnalysisAnalytics, "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/analytics/analysis`, { query: { from: range.from, to: range.to, agentId: agentId || undefined } });
      if (key.value !== k) return; // filters replaced meanwhile
      batch(() => {
        data.value = answer;
        loading.value = false;
      });
    } catch (err) {
      if (key.value !== k) return;
      batch(() => {
        loading.value = false;
        error.value = err instanceof Error ? err.message : String(err);
      });
    }
  }

  /** Nothing to show (an invalid range). */
  function clear(): void {
    batch(() => {
      key.value = null;
      data.value = null;
      loading.value = false;
      error.value = null;
    });
  }

  return { key, data, loading, error, load, clear };
}

export type AnalysisAnalyticsStore = ReturnType<typeof createAnalysisAnalyticsStore>;
