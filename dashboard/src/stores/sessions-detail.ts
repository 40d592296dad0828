// One session for the detail page: GET /v1/sessions/{id} (turns with metrics, tool calls, errors,
// signed recording links, waveform peaks), polled while the session is live, plus its live events
// socket: with the events URL dispatch returned (`rememberEventsUrl` keeps it) or one the API issues.
// The page shows `transcript`: the stored turns, then the live ones not stored yet, and the
// session's trace (`trace`, its own store: spans are fetched and polled separately).
import { batch, computed, signal } from "@preact/signals";
import type { z } from "zod";
import { SessionDetail, SessionEventsToken } from "../../../packages/contracts/src/sessions.ts";
import type { SessionStatus } from "../../../packages/contracts/src/session-protocol.ts";
import type { Api } from "../api/client.ts";
import { createSessionTraceStore } from "./session-trace.ts";
import { connectLive, createLiveState, reset, type LiveTurn, type OpenSocket } from "./sessions-live.ts";

export type { OpenSocket } from "./sessions-live.ts";
export type SessionDetailData = z.infer<typeof SessionDetail>;
export type SessionTurn = SessionDetailData["turns"][number];
export type TurnMetrics = SessionTurn["metrics"];

export interface TranscriptTurn {
  turnId: string;
  role: "user" | "agent";
  text: string;
  language: string | null;
  interrupted: boolean;
  /** Null for a live turn not stored yet. */
  startedAt: string | null;
  metrics: TurnMetrics | null;
  /** Still being spoken: a partial transcript from the live events. */
  partial: boolean;
}

const statusRank: Record<SessionStatus, number> = { pending: 0, dispatching: 1, active: 2, completed: 3, failed: 3 };

/** The further along of two views of the status (the polled row and the live events). */
export function laterStatus(a: SessionStatus, b: SessionStatus | null): SessionStatus {
  return b !== null && statusRank[b] > statusRank[a] ? b : a;
}

/** Stored turns in order, then live turns the API has not stored yet (same turn ids). */
export function mergeTranscript(detail: SessionDetailData | null, live: LiveTurn[]): TranscriptTurn[] {
  const stored: TranscriptTurn[] = (detail?.turns ?? []).map((t) => ({ turnId: t.turnId, role: t.role, text: t.text, language: t.language, interrupted: t.interrupted, startedAt: t.startedAt, metrics: t.metrics, partial: false }));
  const known = new Set(stored.map((t) => t.turnId));
  const pending = live.filter((t) => !known.has(t.turnId)).map((t) => ({ turnId: t.turnId, role: t.role, text: t.text, language: t.language, interrupted: false, startedAt: null, metrics: null, partial: !t.final }));
  return [...stored, ...pending];
}

/** Epoch ms of the conversation's start: zero of the recording, the transcript and the trace. */
export function sessionOriginMs(detail: Pick<SessionDetailData, "startedAt" | "createdAt">): number {
  return Date.parse(detail.startedAt ?? detail.createdAt);
}

/** Where a turn starts in the recording: its start minus the conversation's (never negative). */
export function turnOffsetMs(detail: Pick<SessionDetailData, "startedAt" | "createdAt">, startedAt: string): number {
  return Math.max(0, Date.parse(startedAt) - sessionOriginMs(detail));
}

/** The figures that are durations, drawn as bars; the others are notes on the turn (turnNotes). */
export type LatencyKey = "endOfUtteranceDelayMs" | "sttFinalMs" | "llmTtftMs" | "toolMs" | "ttsTtfbMs" | "voiceToVoiceMs";

export const metricLabels: [LatencyKey, string][] = [
  ["endOfUtteranceDelayMs", "EOU"],
  ["sttFinalMs", "STT"],
  ["llmTtftMs", "LLM TTFT"],
  ["toolMs", "Tool"],
  ["ttsTtfbMs", "TTS TTFB"],
  ["voiceToVoiceMs", "Voice-to-voice"],
];

/** What else the turn's figures say, in words: the end-of-turn model's judgement, a preemptive reply, cached audio. */
export function turnNotes(metrics: TurnMetrics): string[] {
  const notes: string[] = [];
  const p = metrics.endOfTurnProbability;
  const threshold = metrics.endOfTurnThreshold;
  if (p !== null && p !== undefined) {
    const held = threshold !== null && threshold !== undefined && p < threshold;
    notes.push(`End of turn ${p.toFixed(2)}${threshold !== null && threshold !== undefined ? ` (threshold ${threshold.toFixed(2)})` : ""}${held ? ": waited for more" : ""}`);
  }
  if (metrics.preemptive) notes.push("Preemptive reply");
  if (metrics.audioFromCache) notes.push("Audio from the greeting cache");
  return notes;
}

/** The longest latency of any turn (at least 1 ms), so all bars share one scale. */
export function latencyScale(turns: { metrics: TurnMetrics | null }[]): number {
  let max = 1;
  for (const t of turns) for (const [key] of metricLabels) max = Math.max(max, t.metrics?.[key] ?? 0);
  return max;
}

export type SessionDetailEvent =
  | { type: "opening"; sessionId: string }
  | { type: "loaded"; session: SessionDetailData }
  | { type: "failed"; sessionId: string; message: string };

const defaultOpenSocket: OpenSocket = (url) => new WebSocket(url);

export function createSessionDetailStore(api: Api, openSocket: OpenSocket = defaultOpenSocket) {
  const store = {
    sessionId: signal<string | null>(null),
    session: signal<SessionDetailData | null>(null),
    loading: signal(false),
    error: signal<string | null>(null),
    live: createLiveState(),
    liveConnected: signal(false),
  };
  const eventsUrls = new Map<string, string>();

  const status = computed<SessionStatus | null>(() => {
    const s = store.session.value;
    return s ? laterStatus(s.status, store.live.status.value) : store.live.status.value;
  });
  const failureReason = computed(() => store.session.value?.failureReason ?? store.live.failureReason.value);
  const transcript = computed(() => mergeTranscript(store.session.value, store.live.turns.value));

  /** Loads (or reloads: fresh signed recording links, new turns) the session. */
  async function load(sessionId: string): Promise<void> {
    applySessionDetailEvent(store, { type: "opening", sessionId });
    try {
      const session = await api.json(SessionDetail, "GET", `/v1/sessions/${encodeURIComponent(sessionId)}`);
      applySessionDetailEvent(store, { type: "loaded", session });
    } catch (err) {
      applySessionDetailEvent(store, { type: "failed", sessionId, message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /** Keeps the events URL of a session dispatched from this dashboard (e.g. a test call). */
  function rememberEventsUrl(sessionId: string, url: string): void {
    eventsUrls.set(sessionId, url);
  }

  /**
   * Subscribes to the open session's live events — with the URL dispatch gave this dashboard, or a
   * fresh one from the API — and returns the unsubscribe. Without one, polling carries on.
   */
  function watchLive(): () => void {
    const id = store.sessionId.value;
    if (!id) return () => {};
    let stop: (() => void) | null = null;
    let cancelled = false;
    const start = (url: string) => {
      if (!cancelled) stop = connectLive(url, store.live, openSocket, (connected) => (store.liveConnected.value = connected));
    };
    const known = eventsUrls.get(id);
    if (known) start(known);
    else {
      api.json(SessionEventsToken, "POST", `/v1/sessions/${encodeURIComponent(id)}/events-token`).then(
        (subscription) => {
          eventsUrls.set(id, subscription.eventsUrl);
          start(subscription.eventsUrl);
        },
        () => {
          // No subscription (an old API, a network blip): the page keeps polling.
        },
      );
    }
    return () => {
      cancelled = true;
      stop?.();
    };
  }

  const trace = createSessionTraceStore(api);

  return { ...store, status, failureReason, transcript, trace, load, rememberEventsUrl, watchLive, canWatchLive: (id: string) => eventsUrls.has(id) };
}

export type SessionDetailStore = ReturnType<typeof createSessionDetailStore>;
type DetailState = Pick<SessionDetailStore, "sessionId" | "session" | "loading" | "error" | "live">;

export function applySessionDetailEvent(store: DetailState, event: SessionDetailEvent): void {
  batch(() => {
    switch (event.type) {
      case "opening":
        if (store.sessionId.value !== event.sessionId) {
          store.session.value = null;
          reset(store.live, event.sessionId);
        }
        store.sessionId.value = event.sessionId;
        store.loading.value = true;
        break;
      case "loaded":
        if (store.sessionId.value !== event.session.id) return;
        store.session.value = event.session;
        store.loading.value = false;
        store.error.value = null;
        break;
      case "failed":
        if (store.sessionId.value !== event.sessionId) return;
        store.loading.value = false;
        store.error.value = event.message;
        break;
    }
  });
}
