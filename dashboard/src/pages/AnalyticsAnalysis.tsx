// The analytics page's post-call analysis section: the success rate over the range, a line per day
// for all agents and for the busiest agents, and for each agent's text fields with allowed values
// the count of each value extracted (bars, or a table on request).
import type { AnalysisAnalytics } from "../../../packages/contracts/src/analysis.ts";
import { enumGroups, successLines, successTotals, type AnalysisAnalyticsStore } from "../stores/analytics-analysis.ts";
import { formatDay, formatPercent } from "../ui/chart-scale.ts";
import { Lines } from "../ui/charts.tsx";

export function AnalysisSection({ store, names, table }: { store: AnalysisAnalyticsStore; names: Record<string, string>; table: boolean }) {
  const data = store.data.value;
  return (
    <section class="analytics-analysis" aria-labelledby="analysis-heading">
      <h2 id="analysis-heading">Post-call analysis</h2>
      {store.error.value && <p class="error">Could not load the analysis figures: {store.error.value}</p>}
      {!data ? store.loading.value ? <p class="muted">Loading…</p> : null : <AnalysisReport data={data} names={names} table={table} />}
    </section>
  );
}

function AnalysisReport({ data, names, table }: { data: AnalysisAnalytics; names: Record<string, string>; table: boolean }) {
  const totals = successTotals(data);
  const range = `${formatDay(data.from)} – ${formatDay(data.to)} (UTC)`;
  if (totals.analysed === 0) {
    return (
      <div class="card analytics-empty" data-analysis-empty="true">
        <p>No analysed sessions from {data.from} to {data.to}.</p>
        <p class="muted">Set a summary, structured data or a success evaluation on an agent's Analysis tab; sessions are analysed by the agent's LLM once they end.</p>
      </div>
    );
  }
  const { days, lines } = successLines(data);
  const agentName = (id: string | null) => (id === null ? "All agents" : (names[id] ?? id));
  const groups = enumGroups(data);
  return (
    <>
      <dl class="card analytics-totals">
        <div data-total="successRate">
          <dt>Success rate</dt>
          <dd>
            {formatPercent(totals.rate)} <span class="muted">({totals.succeeded} of {totals.evaluated} evaluated)</span>
          </dd>
        </div>
        <div data-total="analysed">
          <dt>Analysed sessions</dt>
          <dd>{totals.analysed.toLocaleString()}</dd>
        </div>
      </dl>
      <div class="charts">
        <Lines
          id="chart-success"
          title="Success rate by day"
          desc={`Share of evaluated sessions that succeeded per day, all agents and per agent, ${range}; days without an evaluated session have no value. ${formatPercent(totals.rate)} overall.`}
          days={days}
          table={table}
          series={lines.map((l, i) => ({ key: l.key, label: agentName(l.agentId), className: i === 0 ? "s-success" : `s-agent-${i - 1}`, values: l.values, dashed: i > 0 }))}
          format={(v) => formatPercent(v)}
          max={1}
        />
        {groups.map((g) => (
          <figure class="chart enum-counts" key={`${g.agentId ?? ""}/${g.field}`} data-enum-field={g.field}>
            <figcaption>
              <strong>
                {g.field}
                {g.agentId && <span class="muted"> · {agentName(g.agentId)}</span>}
              </strong>
              <span class="muted">{g.total} extracted</span>
            </figcaption>
            <table class="enum-table">
              <caption class="visually-hidden">Values of {g.field} extracted, {range}</caption>
              <tbody>
                {g.values.map((v) => (
                  <tr key={v.value} data-enum-value={v.value}>
                    <th scope="row">{v.value}</th>
                    <td class="enum-bar-cell">{!table && <span class="enum-bar" style={{ width: `${Math.round((v.share ?? 0) * 100)}%` }} />}</td>
                    <td class="enum-count">
                      {v.count} <span class="muted">{formatPercent(v.share, 0)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </figure>
        ))}
      </div>
    </>
  );
}
