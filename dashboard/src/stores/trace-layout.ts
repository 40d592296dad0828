// A session's spans laid out for the waterfall, without a DOM: a tree by parentSpanId, cut into
// groups — one per turn (user_turn / agent_turn and everything under it), and the session's own
// spans — with each row's depth in its group and its bar's position on a time axis whose zero is
// the session's start (the origin of the transcript's offsets and of the recording).
import type { SpanView } from "../../../packages/contracts/src/telemetry.ts";
import { classifySpan, isErrorSpan, turnSpanNames, type SpanCategory } from "./span-categories.ts";

export interface WaterfallRow {
  span: SpanView;
  category: SpanCategory;
  /** Nesting within its group (0: the turn span itself, or a root of the session group). */
  depth: number;
  /** Start relative to the session's start (negative: before it, e.g. the job's entrypoint). */
  offsetMs: number;
  durationMs: number;
  leftPct: number;
  widthPct: number;
  error: boolean;
}

export type GroupKind = "session" | "user" | "agent";

export interface WaterfallGroup {
  /** The turn span's id, or "session". */
  id: string;
  kind: GroupKind;
  startMs: number;
  endMs: number;
  rows: WaterfallRow[];
  error: boolean;
}

export interface WaterfallLayout {
  domainStartMs: number;
  domainEndMs: number;
  groups: WaterfallGroup[];
  /** Axis ticks (offsets in ms) and their spacing. */
  ticks: number[];
  tickStepMs: number;
  spanCount: number;
  categories: SpanCategory[];
}

/** A loose span (user_speaking, agent_speaking) starting this soon before a turn still belongs to it. */
export const turnStartToleranceMs = 250;

const byStart = (a: SpanView, b: SpanView) => a.startMs - b.startMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

interface Draft {
  group: WaterfallGroup;
  span: SpanView;
  depth: number;
}

/**
 * Rows by group for `spans` on an axis from `originMs` (epoch ms of the session's start).
 * `minEndMs` stretches the axis to at least that offset (the session's duration).
 */
export function layoutTrace(spans: readonly SpanView[], originMs: number, opts: { minEndMs?: number } = {}): WaterfallLayout {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, SpanView[]>();
  const roots: SpanView[] = [];
  for (const s of spans) {
    // A parent not (yet) in the response — truncated, or not flushed yet — makes the span a root.
    const parent = s.parentSpanId !== null && s.parentSpanId !== s.spanId ? byId.get(s.parentSpanId) : undefined;
    if (parent) children.set(parent.spanId, [...(children.get(parent.spanId) ?? []), s]);
    else roots.push(s);
  }
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  const offset = (s: SpanView) => s.startMs - originMs;
  const kindOf = (s: SpanView): GroupKind => (s.name === "user_turn" ? "user" : "agent");

  // Which subtrees hold a turn: those stay in the session group as the turns' ancestors.
  const holdsTurn = new Map<string, boolean>();
  const visiting = new Set<string>();
  const hasTurn = (s: SpanView): boolean => {
    const known = holdsTurn.get(s.spanId);
    if (known !== undefined) return known;
    if (visiting.has(s.spanId)) return false; // a cycle in bad data: stop here
    visiting.add(s.spanId);
    const result = turnSpanNames.has(s.name) || (children.get(s.spanId) ?? []).some(hasTurn);
    holdsTurn.set(s.spanId, result);
    return result;
  };

  const session: WaterfallGroup = { id: "session", kind: "session", startMs: 0, endMs: 0, rows: [], error: false };
  const turns: WaterfallGroup[] = [];
  const drafts: Draft[] = [];
  // Loose spans joining a turn come after the turn's own rows, so the turn span heads its group.
  const joined: Draft[] = [];
  const placed = new Set<string>();

  /** The turn a loose span starting at `startMs` belongs to: its own role first, the latest such turn. */
  const turnAt = (startMs: number, category: SpanCategory): WaterfallGroup | null => {
    const prefer: GroupKind | null = category === "user-turn" ? "user" : category === "agent-turn" ? "agent" : null;
    let best: WaterfallGroup | null = null;
    let bestScore = -Infinity;
    for (const g of turns) {
      if (startMs < g.startMs - turnStartToleranceMs || startMs > g.endMs) continue;
      const score = (prefer === null || g.kind === prefer ? 1e15 : 0) + g.startMs;
      if (score > bestScore) [best, bestScore] = [g, score];
    }
    return best;
  };

  const visit = (s: SpanView, group: WaterfallGroup, depth: number, into = drafts) => {
    if (placed.has(s.spanId)) return;
    placed.add(s.spanId);
    into.push({ group, span: s, depth });
    for (const c of children.get(s.spanId) ?? []) visit(c, group, depth + 1, into);
  };

  // First the turns, so loose spans can find the turn they fall in.
  const turnSpans: SpanView[] = [];
  const findTurns = (s: SpanView) => {
    if (!hasTurn(s)) return;
    if (turnSpanNames.has(s.name)) turnSpans.push(s);
    else for (const c of children.get(s.spanId) ?? []) findTurns(c);
  };
  roots.forEach(findTurns);
  for (const t of turnSpans.sort(byStart)) {
    turns.push({ id: t.spanId, kind: kindOf(t), startMs: offset(t), endMs: offset(t) + t.durationMs, rows: [], error: false });
  }
  const groupOfTurn = new Map(turns.map((g) => [g.id, g]));

  const walkSession = (s: SpanView, depth: number) => {
    const turn = groupOfTurn.get(s.spanId);
    if (turn) return visit(s, turn, 0);
    if (hasTurn(s)) {
      if (placed.has(s.spanId)) return;
      placed.add(s.spanId);
      drafts.push({ group: session, span: s, depth });
      for (const c of children.get(s.spanId) ?? []) walkSession(c, depth + 1);
      return;
    }
    const home = turnAt(offset(s), classifySpan(s));
    if (home) visit(s, home, 1, joined);
    else visit(s, session, depth);
  };
  for (const r of roots) walkSession(r, 0);
  drafts.push(...joined);
  // Spans unreachable from a root (a parent cycle in bad data) still show, in the session group.
  if (placed.size < spans.length) for (const s of [...spans].sort(byStart)) if (!placed.has(s.spanId)) visit(s, session, 0);

  let minStart = 0;
  let maxEnd = opts.minEndMs ?? 0;
  for (const { span } of drafts) {
    minStart = Math.min(minStart, offset(span));
    maxEnd = Math.max(maxEnd, offset(span) + span.durationMs);
  }
  if (maxEnd <= minStart) maxEnd = minStart + 1000;
  const range = maxEnd - minStart;
  const categories = new Set<SpanCategory>();

  for (const { group, span, depth } of drafts) {
    const category = classifySpan(span);
    categories.add(category);
    const offsetMs = offset(span);
    const error = isErrorSpan(span);
    group.rows.push({
      span,
      category,
      depth,
      offsetMs,
      durationMs: span.durationMs,
      leftPct: ((offsetMs - minStart) / range) * 100,
      widthPct: (span.durationMs / range) * 100,
      error,
    });
    group.error ||= error;
    if (group !== session) group.endMs = Math.max(group.endMs, offsetMs + span.durationMs);
  }
  if (session.rows.length > 0) {
    session.startMs = Math.min(...session.rows.map((r) => r.offsetMs));
    session.endMs = Math.max(...session.rows.map((r) => r.offsetMs + r.durationMs));
  }

  const { ticks, stepMs } = timeTicks(minStart, maxEnd);
  return {
    domainStartMs: minStart,
    domainEndMs: maxEnd,
    groups: [...(session.rows.length > 0 ? [session] : []), ...turns.filter((g) => g.rows.length > 0)],
    ticks,
    tickStepMs: stepMs,
    spanCount: drafts.length,
    categories: [...categories],
  };
}

const tickSteps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

/** Round ticks (ms, 1-2-5 below a second, whole seconds and minutes above) at most `target` across. */
export function timeTicks(startMs: number, endMs: number, target = 6): { ticks: number[]; stepMs: number } {
  const range = Math.max(1, endMs - startMs);
  const stepMs = tickSteps.find((s) => range / s <= target) ?? Math.ceil(range / target / 3_600_000) * 3_600_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(startMs / stepMs) * stepMs; t <= endMs; t += stepMs) ticks.push(t + 0); // + 0: never -0
  return { ticks, stepMs };
}

/**
 * An offset label: `m:ss` (whole seconds cut, like the transcript's) for steps of a second or more,
 * seconds with decimals below — and for a nonzero offset under a second, which `m:ss` would hide.
 */
export function formatOffset(ms: number, stepMs: number): string {
  const sign = ms < 0 ? "−" : "";
  const abs = Math.abs(ms);
  if (stepMs < 1000 || (abs > 0 && abs < 1000)) return `${sign}${(abs / 1000).toFixed(stepMs < 100 ? 2 : 1)} s`;
  const total = Math.floor(abs / 1000);
  return `${sign}${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** A span's duration: sub-millisecond precision where it matters, seconds from one on. */
export function formatSpanDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The duration label goes after the bar unless the bar ends near the right edge. */
export const labelAfterBar = (row: Pick<WaterfallRow, "leftPct" | "widthPct">) => row.leftPct + row.widthPct < 82;

/**
 * The turn group for a transcript turn (its role and its offset from the session's start): the
 * latest group of that role spanning the offset, else the nearest start within `withinMs`.
 */
export function groupForTurn(groups: readonly WaterfallGroup[], role: "user" | "agent", offsetMs: number, withinMs = 3000): WaterfallGroup | null {
  const mine = groups.filter((g) => g.kind === role);
  const spanning = mine.filter((g) => offsetMs >= g.startMs - turnStartToleranceMs && offsetMs <= g.endMs);
  if (spanning.length > 0) return spanning.reduce((a, b) => (b.startMs > a.startMs ? b : a));
  let best: WaterfallGroup | null = null;
  for (const g of mine) if (Math.abs(g.startMs - offsetMs) <= withinMs && (!best || Math.abs(g.startMs - offsetMs) < Math.abs(best.startMs - offsetMs))) best = g;
  return best;
}
