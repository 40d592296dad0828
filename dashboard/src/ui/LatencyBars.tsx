// One turn's latencies as horizontal bars on a scale shared by all turns of the session.
import type { TurnMetrics } from "../stores/sessions-detail.ts";
import { metricLabels, turnNotes } from "../stores/sessions-detail.ts";
import { formatMs } from "./session-format.ts";

export function LatencyBars({ metrics, scaleMs }: { metrics: TurnMetrics; scaleMs: number }) {
  const rows = metricLabels.filter(([key]) => metrics[key] !== null);
  const notes = turnNotes(metrics);
  if (rows.length === 0 && notes.length === 0) return null;
  return (
    <div class="latency" role="list" aria-label="Latencies">
      {notes.length > 0 && (
        <p class="muted latency-notes" role="listitem">
          {notes.join(" · ")}
        </p>
      )}
      {rows.map(([key, label]) => {
        const ms = metrics[key] ?? 0;
        return (
          <div class="latency-row" role="listitem" key={key}>
            <span class="latency-label">{label}</span>
            <span class="latency-track">
              <span class={`latency-bar metric-${key}`} style={{ width: `${Math.max(0.5, Math.min(100, (ms / scaleMs) * 100))}%` }} />
            </span>
            <span class="latency-value">{formatMs(ms)}</span>
          </div>
        );
      })}
    </div>
  );
}
