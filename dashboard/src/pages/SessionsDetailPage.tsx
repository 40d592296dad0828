// One session: metadata, a call's facts and provider timeline (phone sessions), failure details,
// the composite recording with its waveform, the transcript by turn (click a turn's time to seek
// the recording there) with per-turn latency bars, the trace waterfall on the same time axis (a
// turn's "Spans" button highlights its spans; a span plays the recording from its start), and tool
// calls with their request and response, then its post-call analysis (SessionAnalysisCard; refetched
// while pending) and a button that saves the conversation as a test case. A live session is polled every few seconds and, when this
// dashboard knows its events URL (it dispatched it), follows the live events socket too; its trace
// is refetched until shortly after it ends.
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { spacePath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { channelLabel, describeCaller, describeEnd, describeError, describeFailure, recordingView } from "../stores/session-words.ts";
import { isLiveStatus } from "../stores/sessions.ts";
import { latencyScale, sessionOriginMs, turnOffsetMs, type SessionDetailData, type TranscriptTurn } from "../stores/sessions-detail.ts";
import { groupForTurn, layoutTrace } from "../stores/trace-layout.ts";
import { formatDate } from "../ui/forms.ts";
import { JsonBlock } from "../ui/JsonBlock.tsx";
import { LatencyBars } from "../ui/LatencyBars.tsx";
import { RecordingPlayer, seekAudio } from "../ui/RecordingPlayer.tsx";
import { formatDuration, formatMs } from "../ui/session-format.ts";
import { SessionStatusBadge } from "../ui/SessionStatusBadge.tsx";
import "../ui/sessions.css";
import { analysisPollForMs, analysisPollMs } from "../stores/session-analysis.ts";
import { SessionAnalysisCard } from "./SessionAnalysisCard.tsx";
import { SessionCallCard } from "./SessionCallCard.tsx";
import { SaveSessionAsTest } from "./SessionSaveAsTest.tsx";
import { SessionTraceCard } from "./SessionTraceCard.tsx";

/** Polling while live: often without the events socket, rarely with it (turn metrics, tool calls). */
const pollMs = 3000;
const pollWithSocketMs = 10_000;

export default function SessionsDetailPage({ spaceId, sessionId }: { spaceId: string; sessionId: string }) {
  const { sessions } = useStores();
  const detail = sessions.detail;
  const error = useSignal<string | null>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  /** The trace group a transcript turn asked to see. */
  const highlight = useSignal<string | null>(null);

  useEffect(() => {
    error.value = null;
    detail.load(sessionId).catch((err: unknown) => (error.value = errorMessage(err)));
    if (Object.keys(sessions.list.agentNames.value).length === 0) sessions.list.loadAgentNames(spaceId).catch(() => {});
  }, [sessionId]);

  const status = detail.status.value;
  const live = status !== null && isLiveStatus(status);
  const loadedHere = detail.sessionId.value === sessionId;
  // The socket for as long as the session is live and its events URL is known.
  useEffect(() => (live && loadedHere ? detail.watchLive() : undefined), [live, loadedHere, sessionId]);
  const socket = detail.liveConnected.value;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") detail.load(sessionId).catch(() => {});
    }, socket ? pollWithSocketMs : pollMs);
    return () => clearInterval(timer);
  }, [live, socket, sessionId]);
  // Once it ends, fetch it once more for the final turns, usage and recording.
  const wasLive = useRef(false);
  useEffect(() => {
    if (live) wasLive.current = true;
    else if (wasLive.current && status !== null) {
      wasLive.current = false;
      detail.load(sessionId).catch(() => {});
    }
  }, [live]);

  const s = loadedHere ? detail.session.value : null;
  // The analysis is queued when the session ends: refetch while it is pending, for a while.
  const analysisPending = !live && s?.analysisDetail.status === "pending";
  useEffect(() => {
    if (!analysisPending) return;
    const until = Date.now() + analysisPollForMs;
    const timer = setInterval(() => {
      if (Date.now() > until) clearInterval(timer);
      else if (document.visibilityState === "visible") detail.load(sessionId).catch(() => {});
    }, analysisPollMs);
    return () => clearInterval(timer);
  }, [analysisPending, sessionId]);
  // The trace: once the session is known (its status says whether to keep polling), until it settles.
  const ready = s !== null;
  useEffect(() => {
    if (!ready) return;
    highlight.value = null;
    const isLive = () => {
      const current = detail.status.peek();
      return current !== null && isLiveStatus(current);
    };
    return detail.trace.follow(sessionId, { isLive, visible: () => document.visibilityState === "visible" });
  }, [sessionId, ready]);
  const trace = detail.trace.sessionId.value === sessionId ? detail.trace.trace.value : null;
  const originMs = s ? sessionOriginMs(s) : 0;
  const minEndMs = Math.max(s?.durationMs ?? 0, s?.waveform?.durationMs ?? 0);
  const layout = useMemo(() => (trace && trace.spans.length > 0 ? layoutTrace(trace.spans, originMs, { minEndMs }) : null), [trace, originMs, minEndMs]);

  const back = (
    <a href={spacePath(spaceId, "sessions")} class="muted">
      ← Sessions
    </a>
  );
  if (!s) {
    return (
      <section>
        {back}
        {error.value ?? detail.error.value ? <p class="error">{error.value ?? detail.error.value}</p> : <p class="muted">Loading…</p>}
      </section>
    );
  }
  if (s.spaceId !== spaceId) {
    return (
      <section>
        {back}
        <p class="error">This session belongs to another space.</p>
      </section>
    );
  }

  const names = sessions.list.agentNames.value;
  const turns = detail.transcript.value;
  const composite = s.recordings.find((r) => r.track === "composite");
  const recording = recordingView({ status: status ?? s.status, recordings: s.recordings }, detail.live.completed.value?.audioAvailable === true);
  const scale = latencyScale(turns);
  const seek = composite ? (ms: number) => seekAudio(audioRef.current, ms) : null;
  const onAudioError = () => {
    // Signed links expire after an hour: fetch the session again for fresh ones.
    if (composite && Date.parse(composite.expiresAt) <= Date.now()) detail.load(sessionId).catch(() => {});
  };
  const storedToolIds = new Set(s.toolCalls.map((t) => t.toolCallId));
  const liveOnlyTools = detail.live.toolCalls.value.filter((t) => !storedToolIds.has(t.toolCallId));

  return (
    <section>
      {back}
      <div class="row">
        <h1>Session</h1>
        {status && <SessionStatusBadge status={status} />}
        {live && (
          <span class="muted" title={socket ? "Following the live events" : `Refreshing every ${pollMs / 1000} s`}>
            <span class="live-dot" />
            {socket ? "Live" : "Live (polling)"}
          </span>
        )}
        <span class="spacer" />
        {!live && s.agentId && turns.length > 0 && <SaveSessionAsTest sessionId={s.id} agentId={s.agentId} />}
        <code class="muted">{s.id}</code>
      </div>
      {error.value && <p class="error">{error.value}</p>}

      <Metadata session={s} agentName={s.agentId ? names[s.agentId] : undefined} />

      <SessionCallCard session={s} />

      {(status === "failed" || s.errors.length > 0) && (
        <div class="card failure">
          <h2>{status === "failed" ? "Failure" : "Errors"}</h2>
          {status === "failed" && <p class="error">{describeFailure(detail.failureReason.value)}</p>}
          {s.errors.map((e, i) => (
            <div key={i} class="session-error">
              <p>
                <time class="muted" dateTime={e.at}>
                  {formatDate(e.at)}
                </time>{" "}
                {describeError(e.detail)}
              </p>
              <JsonBlock label="Technical details" value={e.detail} />
            </div>
          ))}
        </div>
      )}

      {!live && <SessionAnalysisCard analysis={s.analysisDetail} />}

      {/* No empty player: a failed session (or one that stored no audio) shows no recording card. */}
      {recording && (
        <div class="card">
          <h2>Recording</h2>
          {composite ? (
            <RecordingPlayer url={composite.url} contentType={composite.contentType} waveform={s.waveform} audioRef={audioRef} onError={onAudioError} />
          ) : (
            <p class="muted">{recording === "live" ? "The recording is available once the session ends." : "The recording is being stored…"}</p>
          )}
        </div>
      )}

      <div class="card">
        <h2>Transcript</h2>
        {detail.live.transfers.value.map((t) => (
          <p class="muted" key={`${t.at}-${t.toAgentId}`}>
            {formatDate(t.at)}: transferred from {names[t.fromAgentId] ?? t.fromAgentId} to {names[t.toAgentId] ?? t.toAgentId}
          </p>
        ))}
        {turns.length === 0 ? (
          <p class="muted">{live ? "Waiting for the first words…" : "Nothing was said."}</p>
        ) : (
          <ol class="transcript">
            {turns.map((t) => {
              const group = layout && t.startedAt ? groupForTurn(layout.groups, t.role, turnOffsetMs(s, t.startedAt)) : null;
              const showSpans = group ? () => (highlight.value = highlight.value === group.id ? null : group.id) : null;
              return <Turn key={t.turnId} turn={t} session={s} scaleMs={scale} onSeek={seek} onShowSpans={showSpans} highlighted={group !== null && group.id === highlight.value} />;
            })}
          </ol>
        )}
      </div>

      <SessionTraceCard store={detail.trace} sessionId={sessionId} layout={layout} live={live} highlightGroupId={highlight.value} onSeek={seek} audioRef={audioRef} />

      <div class="card">
        <h2>Tool calls</h2>
        {s.toolCalls.length === 0 && liveOnlyTools.length === 0 ? (
          <p class="muted">No tool was called.</p>
        ) : (
          <>
            {s.toolCalls.map((c) => (
              <div class="tool-call" key={c.toolCallId}>
                <div class="row">
                  <strong>{c.name}</strong>
                  <span class={`badge${c.status === "ok" ? " ok" : " status-failed"}`}>{c.status}</span>
                  <span class="muted">{formatMs(c.latencyMs)}</span>
                  <span class="muted">{formatDate(c.at)}</span>
                  {c.turnId && <span class="muted">turn {c.turnId}</span>}
                </div>
                {c.error && <p class="error">{c.error}</p>}
                <JsonBlock label="Request" value={c.request} />
                <JsonBlock label="Response" value={c.response} />
              </div>
            ))}
            {liveOnlyTools.map((c) => (
              <div class="tool-call" key={c.toolCallId}>
                <div class="row">
                  <strong>{c.name}</strong>
                  <span class={`badge${c.status === "ok" ? " ok" : " status-failed"}`}>{c.status}</span>
                  <span class="muted">{formatMs(c.latencyMs)}</span>
                  <span class="muted">details once stored</span>
                </div>
              </div>
            ))}
          </>
        )}
      </div>
    </section>
  );
}

function Metadata({ session: s, agentName }: { session: SessionDetailData; agentName: string | undefined }) {
  const { prompt, completion } = s.tokenUsage;
  const caller = describeCaller(s, { masked: false });
  const item = (label: string, value: ComponentChildren) => (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
  return (
    <dl class="card meta">
      {item("Agent", s.agentId ? `${agentName ?? s.agentId}${s.agentVersion !== null ? ` (v${s.agentVersion})` : s.channel === "test" ? " (draft)" : ""}` : "deleted")}
      {item("Channel", channelLabel[s.channel])}
      {item("Caller", <span class={caller.phone ? "phone-number" : undefined} title={caller.title ?? undefined}>{caller.text}</span>)}
      {item("Language", s.language)}
      {item("Created", formatDate(s.createdAt))}
      {item("Started", formatDate(s.startedAt))}
      {item("Ended", formatDate(s.endedAt))}
      {item("Duration", formatDuration(s.durationMs))}
      {item("Tokens", prompt === null && completion === null ? "—" : `${prompt ?? "?"} prompt · ${completion ?? "?"} completion`)}
      {!isLiveStatus(s.status) && item("Outcome", <span class={s.status === "failed" ? "error" : undefined} title={s.failureReason ?? s.endReason ?? undefined}>{describeEnd(s)}</span>)}
      {Object.keys(s.variables).length > 0 && item("Variables", <JsonBlock label={`${Object.keys(s.variables).length} set`} value={s.variables} />)}
    </dl>
  );
}

function Turn(props: { turn: TranscriptTurn; session: SessionDetailData; scaleMs: number; onSeek: ((ms: number) => void) | null; onShowSpans: (() => void) | null; highlighted: boolean }) {
  const { turn, session, scaleMs, onSeek, onShowSpans } = props;
  const offset = turn.startedAt ? turnOffsetMs(session, turn.startedAt) : null;
  return (
    <li class={`turn ${turn.role}${turn.partial ? " partial" : ""}${props.highlighted ? " highlighted" : ""}`} data-turn-id={turn.turnId}>
      <div class="turn-head">
        <strong>{turn.role === "user" ? "Caller" : "Agent"}</strong>
        {offset !== null &&
          (onSeek ? (
            <button class="link" title="Play from here" onClick={() => onSeek(offset)}>
              ▶ {formatDuration(offset)}
            </button>
          ) : (
            <span>{formatDuration(offset)}</span>
          ))}
        {turn.interrupted && <span class="badge">interrupted</span>}
        {turn.partial && <span>speaking…</span>}
        {turn.language && turn.language !== session.language && <span>{turn.language}</span>}
        {onShowSpans && (
          <button class="link turn-spans" aria-pressed={props.highlighted} title="Highlight this turn's spans in the trace" onClick={onShowSpans}>
            Spans
          </button>
        )}
      </div>
      <p class="turn-text">{turn.text}</p>
      {turn.metrics && <LatencyBars metrics={turn.metrics} scaleMs={scaleMs} />}
    </li>
  );
}
