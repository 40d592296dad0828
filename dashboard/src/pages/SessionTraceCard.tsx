// The session detail page's "Trace" card: the waterfall of the spans the voice runtime exported,
// or why there is none yet. The page owns the layout (the transcript uses it to find a turn's
// spans) and the polling; this card only shows the trace store's state.
import type { RefObject } from "preact";
import type { SessionTraceStore } from "../stores/session-trace.ts";
import type { WaterfallLayout } from "../stores/trace-layout.ts";
import { TraceWaterfall } from "../ui/TraceWaterfall.tsx";

export function SessionTraceCard(props: {
  store: SessionTraceStore;
  sessionId: string;
  layout: WaterfallLayout | null;
  live: boolean;
  highlightGroupId: string | null;
  onSeek: ((ms: number) => void) | null;
  audioRef: RefObject<HTMLAudioElement | null>;
}) {
  const { store, sessionId, layout, live } = props;
  const shown = store.sessionId.value === sessionId;
  const trace = shown ? store.trace.value : null;
  const error = shown ? store.error.value : null;
  return (
    <div class="card trace" id="trace">
      <div class="row">
        <h2>Trace</h2>
        {store.polling.value && (
          <span class="muted trace-polling" title="Spans arrive in batches while the call runs">
            <span class="live-dot" />
            Refreshing
          </span>
        )}
        <span class="spacer" />
        {layout && <span class="muted trace-count">{layout.spanCount} spans</span>}
        <button type="button" class="link" onClick={() => void store.load(sessionId).catch(() => {})}>
          Refresh
        </button>
      </div>
      {error && <p class="error trace-error">Could not load the trace: {error}</p>}
      {!trace ? (
        !error && <p class="muted">Loading the trace…</p>
      ) : trace.spans.length === 0 || !layout ? (
        <p class="muted trace-empty" data-empty="true">
          {live
            ? "No spans yet. The voice runtime sends them in batches every few seconds while the call runs; they appear here as they arrive."
            : "No spans for this session. Either tracing is not configured for the voice runtime (no OTLP endpoint is set), or its spans have not arrived yet: they are sent in batches, the last one when the call ends."}
        </p>
      ) : (
        <>
          {trace.truncated && <p class="muted trace-note trace-truncated">Showing the first {trace.spans.length} spans; this session has more.</p>}
          <p class="muted trace-note">Times are from the start of the session, like the transcript and the recording. Hover a bar for details; click it to play from there.</p>
          <TraceWaterfall layout={layout} highlightGroupId={props.highlightGroupId} onSeek={props.onSeek} audioRef={props.audioRef} />
        </>
      )}
    </div>
  );
}
