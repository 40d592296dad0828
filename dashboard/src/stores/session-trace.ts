// One session's trace for the waterfall: GET /v1/sessions/{id}/trace. The voice runtime exports
// spans in batches every few seconds and once more when the session ends, so `follow` refetches
// while the session is live, a few more times after it ends (the last batch lands late), then stops.
import { batch, signal } from "@preact/signals";
import { SessionTrace } from "../../../packages/contracts/src/telemetry.ts";
import type { Api } from "../api/client.ts";

export type SessionTraceEvent =
  | { type: "opening"; sessionId: string }
  | { type: "loaded"; trace: SessionTrace }
  | { type: "failed"; sessionId: string; message: string };

export const tracePollMs = 5000;
/** Fetches after the session ended, for the spans the runtime flushes at shutdown. */
export const traceSettlePolls = 2;

export interface TraceTimers {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const realTimers: TraceTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function createSessionTraceStore(api: Api, opts: { pollMs?: number; timers?: TraceTimers } = {}) {
  const pollMs = opts.pollMs ?? tracePollMs;
  const timers = opts.timers ?? realTimers;
  const store = {
    sessionId: signal<string | null>(null),
    trace: signal<SessionTrace | null>(null),
    loading: signal(false),
    error: signal<string | null>(null),
    /** Refetching on a timer (the session is live or just ended). */
    polling: signal(false),
  };

  async function load(sessionId: string): Promise<void> {
    applySessionTraceEvent(store, { type: "opening", sessionId });
    try {
      const trace = await api.json(SessionTrace, "GET", `/v1/sessions/${encodeURIComponent(sessionId)}/trace`);
      applySessionTraceEvent(store, { type: "loaded", trace });
    } catch (err) {
      applySessionTraceEvent(store, { type: "failed", sessionId, message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /**
   * Loads the trace now and, while `isLive()`, every `pollMs` (skipping ticks when `visible()` is
   * false); after the session ends, `traceSettlePolls` more times. Returns the stop.
   */
  function follow(sessionId: string, watch: { isLive: () => boolean; visible?: () => boolean }): () => void {
    let stopped = false;
    let handle: unknown = null;
    let seenLive = false;
    let settled = 0;
    const tick = async (first: boolean) => {
      if (first || (watch.visible?.() ?? true)) await load(sessionId).catch(() => {}); // the error shows; the next tick retries
      if (stopped) return;
      if (watch.isLive()) seenLive = true;
      else if (!seenLive || ++settled > traceSettlePolls) {
        store.polling.value = false;
        return;
      }
      store.polling.value = true;
      handle = timers.setTimeout(() => void tick(false), pollMs);
    };
    void tick(true);
    return () => {
      stopped = true;
      if (handle !== null) timers.clearTimeout(handle);
      store.polling.value = false;
    };
  }

  return { ...store, load, follow };
}

export type SessionTraceStore = ReturnType<typeof createSessionTraceStore>;
type TraceState = Pick<SessionTraceStore, "sessionId" | "trace" | "loading" | "error">;

export function applySessionTraceEvent(store: TraceState, event: SessionTraceEvent): void {
  batch(() => {
    switch (event.type) {
      case "opening":
        if (store.sessionId.value !== event.sessionId) {
          store.trace.value = null;
          store.error.value = null;
        }
        store.sessionId.value = event.sessionId;
        store.loading.value = true;
        break;
      case "loaded":
        // A late answer for the session shown before: drop it.
        if (store.sessionId.value !== event.trace.sessionId) return;
        store.trace.value = event.trace;
        store.loading.value = false;
        store.error.value = null;
        break;
      case "failed":
        if (store.sessionId.value !== event.sessionId) return;
        store.loading.value = false;
        // Keep spans already shown: a failed refetch should not blank the waterfall.
        store.error.value = event.message;
        break;
    }
  });
}
