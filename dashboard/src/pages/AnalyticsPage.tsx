// A space's analytics: filters (agent, last 7/30/90 days or a custom range), a totals row, and
// small SVG charts per day — sessions by status, voice minutes, voice-to-voice / LLM TTFT / TTS
// TTFB percentiles, tool error rate — each with a table instead on request — then the post-call
// analysis: success rate by day and agent, counts of enum values (AnalyticsAnalysis.tsx). A lazy chunk.
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import type { AnalyticsDay, AnalyticsSeries } from "../../../packages/contracts/src/telemetry.ts";
import { useStores } from "../stores/index.ts";
import { analyticsRange, defaultAnalyticsFilters, rangePresets, utcDay, type AnalyticsFilters, type AnalyticsTotals } from "../stores/analytics.ts";
import { formatCompact, formatDay, formatPercent } from "../ui/chart-scale.ts";
import { Lines, StackedBars, type ChartSeries } from "../ui/charts.tsx";
import { formatDate } from "../ui/forms.ts";
import { AnalysisSection } from "./AnalyticsAnalysis.tsx";
import "../ui/analytics.css";

const formatMinutes = (v: number) => `${v.toFixed(v >= 100 ? 0 : 1)} min`;
const formatLatency = (v: number) => `${Math.round(v)} ms`;

export default function AnalyticsPage({ spaceId }: { spaceId: string }) {
  const { analytics, sessions } = useStores();
  // Filters survive leaving the page and coming back to the same space.
  const filters = useSignal<AnalyticsFilters>(analytics.spaceId.value === spaceId ? analytics.filters.value : defaultAnalyticsFilters);
  const tables = useSignal(false);

  useEffect(() => {
    sessions.list.loadAgentNames(spaceId).catch(() => {}); // names are a nicety: the filter still offers "all agents"
  }, [spaceId]);
  const f = filters.value;
  useEffect(() => {
    analytics.load(spaceId, f).catch(() => {}); // the store keeps the error for the page
  }, [spaceId, f]);

  const set = (patch: Partial<AnalyticsFilters>) => (filters.value = { ...filters.value, ...patch });
  const choosePreset = (value: string) => {
    const preset = rangePresets.find((p) => p.value === value)?.value ?? "30";
    if (preset !== "custom") return set({ preset });
    // Custom starts from the range shown, so the dates are never blank.
    const range = analyticsRange(f, utcDay(new Date()));
    set({ preset, ...("from" in range ? { from: range.from, to: range.to } : {}) });
  };

  const names = sessions.list.agentNames.value;
  const mine = analytics.spaceId.value === spaceId;
  const series = mine ? analytics.series.value : null;
  const totals = mine ? analytics.totals.value : null;
  const today = utcDay(new Date());

  return (
    <section class="analytics">
      <div class="row">
        <h1>Analytics</h1>
        <span class="spacer" />
        {series?.refreshedAt && <span class="muted analytics-refreshed">Updated {formatDate(series.refreshedAt)}</span>}
        <button type="button" class="link" onClick={() => void analytics.load(spaceId, f).catch(() => {})}>
          Refresh
        </button>
      </div>
      <form class="card analytics-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Agent
          <select name="agentId" value={f.agentId} onChange={(e) => set({ agentId: e.currentTarget.value })}>
            <option value="">All agents</option>
            {Object.entries(names).map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Range
          <select name="range" value={f.preset} onChange={(e) => choosePreset(e.currentTarget.value)}>
            {rangePresets.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        {f.preset === "custom" && (
          <>
            <label>
              From (UTC)
              <input type="date" name="from" value={f.from} max={f.to || today} onChange={(e) => set({ from: e.currentTarget.value })} />
            </label>
            <label>
              To (UTC)
              <input type="date" name="to" value={f.to} min={f.from || undefined} max={today} onChange={(e) => set({ to: e.currentTarget.value })} />
            </label>
          </>
        )}
        <label class="inline analytics-tables-toggle">
          <input type="checkbox" checked={tables.value} onChange={(e) => (tables.value = e.currentTarget.checked)} />
          Show as tables
        </label>
      </form>

      {mine && analytics.error.value && <p class="error analytics-error">{analytics.error.value}</p>}
      {!series ? (
        mine && analytics.loading.value ? <p class="muted">Loading…</p> : null
      ) : (
        <Report series={series} totals={totals} table={tables.value} agentName={f.agentId ? (names[f.agentId] ?? f.agentId) : null} />
      )}
      {mine && <AnalysisSection store={analytics.analysis} names={names} table={tables.value} />}
    </section>
  );
}

function Report({ series, totals, table, agentName }: { series: AnalyticsSeries; totals: AnalyticsTotals | null; table: boolean; agentName: string | null }) {
  const range = `${formatDay(series.from)} – ${formatDay(series.to)} (UTC)`;
  if (!totals || totals.sessions === 0) {
    return (
      <div class="card analytics-empty" data-empty="true">
        <p>
          No sessions {agentName ? `of ${agentName} ` : ""}from {series.from} to {series.to}.
        </p>
        <p class="muted">
          {series.refreshedAt === null
            ? "Analytics are computed from finished sessions in the background; none have been computed for this range yet."
            : "Try a longer range or another agent; sessions count on the UTC day they started."}
        </p>
      </div>
    );
  }
  const days = series.days.map((d) => d.day);
  const col = (pick: (d: AnalyticsDay) => number | null) => series.days.map(pick);
  const latency = (id: string, title: string, pick: (d: AnalyticsDay) => { p50: number | null; p95: number | null }): ChartProps => ({
    id,
    title,
    desc: `${title}, median (p50) and 95th percentile (p95) per day in milliseconds, ${range}.`,
    series: [
      { key: "p50", label: "p50", className: "s-p50", values: col((d) => pick(d).p50) },
      { key: "p95", label: "p95", className: "s-p95", values: col((d) => pick(d).p95), dashed: true },
    ],
    format: formatLatency,
  });
  const charts = { days, table };
  return (
    <>
      <dl class="card analytics-totals">
        <Total name="sessions" label="Sessions">
          {totals.sessions.toLocaleString()}
        </Total>
        <Total name="voiceMinutes" label="Voice minutes">
          {formatMinutes(totals.voiceMinutes)}
        </Total>
        <Total name="failureRate" label="Failed sessions">
          {formatPercent(totals.failureRate)} <span class="muted">({totals.failed})</span>
        </Total>
        <Total name="toolErrorRate" label="Tool error rate">
          {formatPercent(totals.toolErrorRate)} <span class="muted">({totals.toolErrors} of {totals.toolCalls})</span>
        </Total>
      </dl>
      <div class="charts">
        <StackedBars
          {...charts}
          id="chart-sessions"
          title="Sessions per day"
          desc={`Sessions started per day by status (completed, failed, still open), ${range}; ${totals.sessions} in all.`}
          series={[
            { key: "completed", label: "Completed", className: "s-completed", values: col((d) => d.sessions.completed) },
            { key: "failed", label: "Failed", className: "s-failed", values: col((d) => d.sessions.failed) },
            { key: "open", label: "Open", className: "s-open", values: col((d) => d.sessions.open) },
          ]}
          format={formatCompact}
        />
        <StackedBars
          {...charts}
          id="chart-minutes"
          title="Voice minutes per day"
          desc={`Minutes of conversation per day, ${range}; ${formatMinutes(totals.voiceMinutes)} in all.`}
          series={[{ key: "minutes", label: "Minutes", className: "s-minutes", values: col((d) => d.voiceMinutes) }]}
          format={formatMinutes}
        />
        <Lines {...charts} {...latency("chart-v2v", "Voice-to-voice latency", (d) => d.voiceToVoiceMs)} />
        <Lines {...charts} {...latency("chart-llm-ttft", "LLM time to first token", (d) => d.llmTtftMs)} />
        <Lines {...charts} {...latency("chart-tts-ttfb", "TTS time to first byte", (d) => d.ttsTtfbMs)} />
        <Lines
          {...charts}
          id="chart-tool-errors"
          title="Tool error rate"
          desc={`Share of tool calls that failed per day, ${range}; days without tool calls have no value. ${formatPercent(totals.toolErrorRate)} overall.`}
          series={[{ key: "rate", label: "Error rate", className: "s-errors", values: col((d) => d.toolErrorRate) }]}
          format={(v) => formatPercent(v)}
          max={1}
        />
      </div>
    </>
  );
}

type ChartProps = { id: string; title: string; desc: string; series: ChartSeries[]; format: (v: number) => string };

function Total({ name, label, children }: { name: string; label: string; children: ComponentChildren }) {
  return (
    <div data-total={name}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
