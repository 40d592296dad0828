// The analytics charts: small SVGs (stacked bars per day, lines per day) sharing one geometry so
// days line up from chart to chart, each with a <title>/<desc> and per-value <title>s for screen
// readers and hover, and the same data as a table when the page asks for tables instead.
import type { ComponentChildren } from "preact";
import { bands, formatCompact, formatDay, isolatedPoints, labelEvery, linePath, niceTicks, scaleLinear, stack } from "./chart-scale.ts";

export interface ChartSeries {
  key: string;
  label: string;
  /** A CSS class giving the series its colour (fill for bars, stroke for lines). */
  className: string;
  values: (number | null)[];
  dashed?: boolean;
}

interface ChartProps {
  id: string;
  title: string;
  desc: string;
  days: string[];
  series: ChartSeries[];
  format: (v: number) => string;
  /** Show the data as a table instead of the SVG. */
  table: boolean;
}

const width = 640;
const height = 200;
const margin = { top: 10, right: 12, bottom: 24, left: 48 };
const plotBottom = height - margin.bottom;

function Frame({ id, title, desc, series, table, children, days, format, kind }: ChartProps & { kind: "bars" | "lines"; children: ComponentChildren }) {
  return (
    <figure class={`chart chart-${kind}`} data-chart={id}>
      <figcaption>
        <strong>{title}</strong>
        <span class="chart-legend">
          {series.map((s) => (
            <span key={s.key} class={`chart-key ${s.className}${s.dashed ? " dashed" : ""}`}>
              {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      {table ? (
        <ChartTable caption={title} days={days} series={series} format={format} />
      ) : (
        <svg class="chart-svg" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
          <title id={`${id}-title`}>{title}</title>
          <desc id={`${id}-desc`}>{desc}</desc>
          {children}
        </svg>
      )}
    </figure>
  );
}

/** The y gridlines with their labels, and every k-th day under the x axis. */
function Axes({ days, ticks, y, format }: { days: string[]; ticks: number[]; y: (v: number) => number; format: (v: number) => string }) {
  const band = bands(days.length, margin.left, width - margin.right);
  const every = labelEvery(days.length, 8);
  return (
    <g class="chart-axes" aria-hidden="true">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={margin.left} x2={width - margin.right} y1={y(t)} y2={y(t)} class={t === 0 ? "baseline" : "grid"} />
          <text x={margin.left - 6} y={y(t) + 4} text-anchor="end">
            {format(t)}
          </text>
        </g>
      ))}
      {days.map((d, i) =>
        i % every === 0 ? (
          <text key={d} x={band.center(i)} y={height - 6} text-anchor="middle">
            {formatDay(d)}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** One bar per day, the series stacked in order (sessions by status). */
export function StackedBars(props: ChartProps) {
  const { days, series, format } = props;
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const y = scaleLinear([0, ticks.at(-1) ?? 1], [plotBottom, margin.top]);
  const band = bands(days.length, margin.left, width - margin.right);
  return (
    <Frame {...props} kind="bars">
      <Axes days={days} ticks={ticks} y={y} format={formatCompact} />
      {days.map((d, i) => {
        const parts = stack(series.map((s) => s.values[i] ?? 0));
        return (
          <g key={d} class="chart-day">
            {series.map((s, j) => {
              const p = parts[j];
              if (!p || p.y1 === p.y0) return null;
              return (
                <rect key={s.key} class={s.className} x={band.x(i)} width={Math.max(1, band.width)} y={y(p.y1)} height={y(p.y0) - y(p.y1)}>
                  <title>{`${formatDay(d)}: ${format(s.values[i] ?? 0)} ${s.label.toLowerCase()}`}</title>
                </rect>
              );
            })}
          </g>
        );
      })}
    </Frame>
  );
}

/** One line per series, through each day's value; days without a value break the line. */
export function Lines(props: ChartProps & { max?: number }) {
  const { days, series, format } = props;
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const ticks = niceTicks(props.max ?? Math.max(0, ...values));
  const y = scaleLinear([0, ticks.at(-1) ?? 1], [plotBottom, margin.top]);
  const band = bands(days.length, margin.left, width - margin.right);
  const dots = days.length <= 31;
  return (
    <Frame {...props} kind="lines">
      <Axes days={days} ticks={ticks} y={y} format={props.max === 1 ? (v) => `${Math.round(v * 100)}%` : formatCompact} />
      {series.map((s) => {
        const points = s.values.map((v, i) => (v === null ? null : { x: band.center(i), y: y(v) }));
        const shown = dots ? s.values.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0) : isolatedPoints(s.values);
        return (
          <g key={s.key} class={`chart-line ${s.className}${s.dashed ? " dashed" : ""}`}>
            <path d={linePath(points)} />
            {shown.map((i) => (
              <circle key={i} cx={band.center(i)} cy={y(s.values[i] ?? 0)} r={2.5}>
                <title>{`${formatDay(days[i] ?? "")}: ${format(s.values[i] ?? 0)} (${s.label})`}</title>
              </circle>
            ))}
          </g>
        );
      })}
    </Frame>
  );
}

/** The chart's data as rows of days: the accessible (and copyable) fallback. */
export function ChartTable({ caption, days, series, format }: { caption: string; days: string[]; series: ChartSeries[]; format: (v: number) => string }) {
  return (
    <div class="chart-table-wrap">
      <table class="chart-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {series.map((s) => (
              <th scope="col" key={s.key}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((d, i) => (
            <tr key={d}>
              <th scope="row">{d}</th>
              {series.map((s) => {
                const v = s.values[i] ?? null;
                return <td key={s.key}>{v === null ? "—" : format(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
