// Scale helpers for the analytics charts (small SVGs of our own, no chart library), pure so they
// are tested in Node: round axis maxima and ticks, linear scales, day bands, stacks, and line
// paths that break where a day has no value instead of drawing through zero.

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (1 for nothing to show). */
export function niceMax(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * magnitude >= value * (1 - 1e-12)) return clean(f * magnitude);
  return clean(10 * magnitude);
}

const clean = (n: number) => Number(n.toPrecision(12));

/** Evenly spaced round ticks from 0 to at least `max`, about `count` steps. */
export function niceTicks(max: number, count = 4): number[] {
  const step = niceMax(Math.max(max, 0) / count);
  const steps = Math.max(1, Math.ceil(clean(Math.max(max, 0) / step)));
  return Array.from({ length: steps + 1 }, (_, i) => clean(i * step));
}

/** A linear map from [d0, d1] onto [r0, r1]; an empty domain maps everything to r0. */
export function scaleLinear([d0, d1]: [number, number], [r0, r1]: [number, number]): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** `n` equal bands across [start, end] with `padding` (0..1) of each left empty: bars and line points. */
export function bands(n: number, start: number, end: number, padding = 0.2): { x: (i: number) => number; center: (i: number) => number; width: number } {
  const step = n > 0 ? (end - start) / n : 0;
  const width = step * (1 - padding);
  return { x: (i) => start + i * step + (step - width) / 2, center: (i) => start + i * step + step / 2, width };
}

/** Cumulative [y0, y1) of each value stacked from zero, in order. */
export function stack(values: readonly number[]): { y0: number; y1: number }[] {
  let total = 0;
  return values.map((v) => {
    const y0 = total;
    total += Math.max(0, v);
    return { y0, y1: total };
  });
}

export interface Point {
  x: number;
  y: number;
}

const coord = (n: number) => String(Math.round(n * 10) / 10);

/** An SVG path through the points, lifting the pen over missing ones (null). */
export function linePath(points: readonly (Point | null)[]): string {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (!p) {
      pen = false;
      continue;
    }
    d += `${d ? " " : ""}${pen ? "L" : "M"}${coord(p.x)} ${coord(p.y)}`;
    pen = true;
  }
  return d;
}

/** Indexes of points with no neighbour to draw a segment to: they show as dots only. */
export function isolatedPoints(values: readonly (number | null)[]): number[] {
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v !== null && (values[i - 1] ?? null) === null && (values[i + 1] ?? null) === null) out.push(i);
  });
  return out;
}

/** Label every k-th of `n` days so at most `maxLabels` fit. */
export const labelEvery = (n: number, maxLabels: number) => Math.max(1, Math.ceil(n / Math.max(1, maxLabels)));

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-11-03" → "Nov 3" (UTC days need no time zone). */
export function formatDay(day: string): string {
  const [, m, d] = day.split("-");
  return `${months[Number(m) - 1] ?? m} ${Number(d)}`;
}

/** Axis numbers: 1200 → "1.2k", 0.25 → "0.25". */
export function formatCompact(v: number): string {
  if (Math.abs(v) >= 1e6) return `${clean(v / 1e6)}M`;
  if (Math.abs(v) >= 1e3) return `${clean(v / 1e3)}k`;
  return String(clean(v));
}

export const formatPercent = (rate: number | null, digits = 1) => (rate === null ? "—" : `${(rate * 100).toFixed(digits)}%`);
