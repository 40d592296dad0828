// The session's spans as a waterfall: one group per turn (and one for the session's own spans),
// rows indented by nesting, bars coloured by category on the axis the transcript and recording use
// (zero = the session's start). Hover or focus a bar for its details; click to play from there.
// Plain divs; hover state lives in its own small component so ~1000 rows do not re-render on hover.
import { useSignal, type Signal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { categoryLabels, keyAttributesOf, shorten } from "../stores/span-categories.ts";
import { formatOffset, formatSpanDuration, labelAfterBar, type WaterfallGroup, type WaterfallLayout, type WaterfallRow } from "../stores/trace-layout.ts";

const groupLabels = { session: "Session", user: "Caller turn", agent: "Agent turn" } as const;
const tipId = "wf-tip";
const tipWidthPx = 352;

interface Active {
  row: WaterfallRow;
  top: number;
  left: number;
}

export function TraceWaterfall({ layout, highlightGroupId, onSeek, audioRef }: { layout: WaterfallLayout; highlightGroupId: string | null; onSeek: ((ms: number) => void) | null; audioRef?: RefObject<HTMLAudioElement | null> }) {
  const host = useRef<HTMLDivElement>(null);
  const active = useSignal<Active | null>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const range = layout.domainEndMs - layout.domainStartMs;
  const pct = (ms: number) => `${((ms - layout.domainStartMs) / range) * 100}%`;

  const rows = new Map<string, WaterfallRow>();
  for (const g of layout.groups) for (const r of g.rows) rows.set(r.span.spanId, r);

  useEffect(() => {
    if (!highlightGroupId) return;
    host.current?.querySelector(`[data-group-id="${CSS.escape(highlightGroupId)}"]`)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [highlightGroupId]);

  const barOf = (e: Event) => (e.target instanceof Element ? e.target.closest<HTMLElement>(".wf-bar") : null);
  const show = (e: Event) => {
    const bar = barOf(e);
    const row = bar?.dataset["spanId"] ? rows.get(bar.dataset["spanId"]) : undefined;
    const box = host.current?.getBoundingClientRect();
    if (!bar || !row || !box) return;
    const r = bar.getBoundingClientRect();
    const left = Math.max(0, Math.min(r.left - box.left, box.width - tipWidthPx));
    active.value = { row, top: r.bottom - box.top + 4, left };
    bar.setAttribute("aria-describedby", tipId);
  };
  const hide = (e: Event) => {
    barOf(e)?.removeAttribute("aria-describedby");
    active.value = null;
  };
  const click = (e: Event) => {
    const id = barOf(e)?.dataset["spanId"];
    const row = id ? rows.get(id) : undefined;
    if (row && onSeek) onSeek(Math.max(0, row.offsetMs));
  };
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (!next.delete(id)) next.add(id);
    setCollapsed(next);
  };

  return (
    <div class="wf" ref={host} data-span-count={layout.spanCount}>
      <div class="wf-legend" role="list" aria-label="Span categories">
        {layout.categories.map((c) => (
          <span key={c} role="listitem" class={`wf-key cat-${c}`}>
            {categoryLabels[c]}
          </span>
        ))}
        <span role="listitem" class="wf-key error">Error</span>
      </div>
      <div class="wf-scroll" onScroll={() => (active.value = null)}>
        <div class="wf-axis" aria-hidden="true">
          <span class="wf-name muted">Span</span>
          <div class="wf-track">
            {layout.ticks.map((t) => (
              <span key={t} class="wf-tick" style={{ left: pct(t) }}>
                {formatOffset(t, layout.tickStepMs)}
              </span>
            ))}
          </div>
        </div>
        <div class="wf-body" onMouseOver={show} onMouseOut={hide} onFocusIn={show} onFocusOut={hide} onClick={click}>
          <div class="wf-grid" aria-hidden="true">
            {layout.ticks.map((t) => (
              <span key={t} style={{ left: pct(t) }} class={t === 0 ? "zero" : ""} />
            ))}
            {audioRef && <Playhead audioRef={audioRef} pct={pct} />}
          </div>
          {layout.groups.map((g) => (
            <Group key={g.id} group={g} highlighted={g.id === highlightGroupId} open={!collapsed.has(g.id)} onToggle={() => toggle(g.id)} onSeek={onSeek} />
          ))}
        </div>
      </div>
      <Tooltip active={active} canSeek={onSeek !== null} />
    </div>
  );
}

function Group({ group: g, highlighted, open, onToggle, onSeek }: { group: WaterfallGroup; highlighted: boolean; open: boolean; onToggle: () => void; onSeek: ((ms: number) => void) | null }) {
  const label = groupLabels[g.kind];
  return (
    <div class={`wf-group kind-${g.kind}${highlighted ? " highlighted" : ""}${g.error ? " has-error" : ""}`} role="group" aria-label={`${label} at ${formatOffset(g.startMs, 1000)}`} data-group-id={g.id} data-kind={g.kind}>
      <div class="wf-group-head">
        <button type="button" class="link wf-toggle" aria-expanded={open} onClick={onToggle}>
          {open ? "▾" : "▸"} {label}
        </button>
        {onSeek ? (
          <button type="button" class="link wf-seek" title="Play from here" onClick={() => onSeek(Math.max(0, g.startMs))}>
            ▶ {formatOffset(g.startMs, 1000)}
          </button>
        ) : (
          <span>{formatOffset(g.startMs, 1000)}</span>
        )}
        <span class="muted">
          {formatSpanDuration(g.endMs - g.startMs)} · {g.rows.length} {g.rows.length === 1 ? "span" : "spans"}
        </span>
        {g.error && <span class="badge status-failed">error</span>}
      </div>
      {open && g.rows.map((r) => <Row key={r.span.spanId} row={r} />)}
    </div>
  );
}

function Row({ row: r }: { row: WaterfallRow }) {
  const duration = formatSpanDuration(r.durationMs);
  const after = labelAfterBar(r);
  return (
    <div class={`wf-row cat-${r.category}${r.error ? " error" : ""}`} data-span-id={r.span.spanId} data-category={r.category} data-depth={r.depth} data-error={r.error ? "true" : undefined}>
      <span class="wf-name" style={{ paddingLeft: `${0.3 + Math.min(r.depth, 10) * 0.8}rem` }} title={r.span.name}>
        {r.span.name}
      </span>
      <div class="wf-track">
        <button
          type="button"
          class="wf-bar"
          data-span-id={r.span.spanId}
          style={{ left: `${r.leftPct}%`, width: `${r.widthPct}%` }}
          aria-label={`${r.span.name}, ${categoryLabels[r.category]}, at ${formatOffset(r.offsetMs, 100)}, ${duration}${r.error ? ", failed" : ""}`}
        />
        <span class={`wf-dur ${after ? "after" : "before"}`} style={after ? { left: `${r.leftPct + r.widthPct}%` } : { right: `${100 - r.leftPct}%` }}>
          {duration}
          {r.error && " ⚠"}
        </span>
      </div>
    </div>
  );
}

function Tooltip({ active, canSeek }: { active: Signal<Active | null>; canSeek: boolean }) {
  const a = active.value;
  if (!a) return null;
  const { row: r } = a;
  const attributes = keyAttributesOf(r.span);
  return (
    <div id={tipId} class="wf-tip" role="tooltip" style={{ top: `${a.top}px`, left: `${a.left}px`, maxWidth: `${tipWidthPx}px` }}>
      <strong>{r.span.name}</strong> <span class="wf-tip-cat">{categoryLabels[r.category]}</span>
      <div>
        {formatSpanDuration(r.durationMs)} at {(r.offsetMs / 1000).toFixed(3)} s
      </div>
      {r.error && <div class="wf-tip-error">Failed{r.span.status.message ? `: ${shorten(r.span.status.message)}` : ""}</div>}
      {attributes.length > 0 && (
        <dl>
          {attributes.map((attr) => (
            <div key={attr.label}>
              <dt>{attr.label}</dt>
              <dd>{attr.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {canSeek && <div class="wf-tip-hint">Click to play from here</div>}
    </div>
  );
}

/** The recording's position on the same axis, so playback and spans line up. */
function Playhead({ audioRef, pct }: { audioRef: RefObject<HTMLAudioElement | null>; pct: (ms: number) => string }) {
  const [ms, setMs] = useState<number | null>(null);
  const audio = audioRef.current;
  useEffect(() => {
    if (!audio) return;
    const update = () => setMs(audio.currentTime > 0 || !audio.paused ? audio.currentTime * 1000 : null);
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("seeked", update);
    return () => {
      audio.removeEventListener("timeupdate", update);
      audio.removeEventListener("seeked", update);
    };
  }, [audio]);
  return ms === null ? null : <span class="wf-playhead" style={{ left: pct(ms) }} />;
}
