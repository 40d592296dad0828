// Session history of a space, newest first: filters (agent, status, channel, call direction, caller
// or phone number, date range, analysis status and verdict), "Load more" paging, status badges, the
// post-call analysis's verdict; calls show their direction and
// the other party's number masked. While any listed session is pending, dispatching or active the
// list polls every few seconds (the first page again, and the live ones further down).
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { sessionPath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { callDirections, directionLabel, phoneRowLabel } from "../stores/session-phone.ts";
import { channelLabel, describeCaller, describeEnd } from "../stores/session-words.ts";
import { analysisStatusLabel } from "../stores/session-analysis.ts";
import { analysisStatuses, directionApplies, isLiveStatus, listKey, noFilters, sessionChannels, sessionStatuses, withFilter, type SessionFilters } from "../stores/sessions.ts";
import { AnalysisVerdict } from "../ui/AnalysisVerdict.tsx";
import { CallDirectionLabel } from "../ui/CallDirectionLabel.tsx";
import { formatDate } from "../ui/forms.ts";
import { formatDuration, statusLabel } from "../ui/session-format.ts";
import { SessionStatusBadge } from "../ui/SessionStatusBadge.tsx";
import "../ui/sessions.css";

export const sessionsPollMs = 5000;
const typingDebounceMs = 300;

export default function SessionsPage({ spaceId }: { spaceId: string }) {
  const { sessions } = useStores();
  const list = sessions.list;
  // Filters survive a visit to a session and back (the store keeps them with the loaded pages).
  const filters = useSignal<SessionFilters>(list.spaceId.value === spaceId ? list.filters.value : noFilters);
  const error = useSignal<string | null>(null);

  useEffect(() => {
    list.loadAgentNames(spaceId).catch(() => {}); // names are a nicety: ids show without them
  }, [spaceId]);

  const f = filters.value;
  useEffect(() => {
    const alreadyLoaded = list.key.value === listKey(spaceId, f) && !list.loading.value && !list.error.value;
    const timer = setTimeout(
      () => {
        error.value = null;
        const run = alreadyLoaded ? list.refresh() : list.load(spaceId, f);
        run.catch((err: unknown) => (error.value = errorMessage(err)));
      },
      f.caller !== list.filters.value.caller ? typingDebounceMs : 0,
    );
    return () => clearTimeout(timer);
  }, [spaceId, f]);

  const live = list.hasLive.value;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") list.refresh().catch(() => {}); // the next tick tries again
    }, sessionsPollMs);
    return () => clearInterval(timer);
  }, [live, spaceId]);

  const set = <K extends keyof SessionFilters>(key: K, value: SessionFilters[K]) => (filters.value = withFilter(filters.value, key, value));
  const filtered = JSON.stringify(f) !== JSON.stringify(noFilters);
  const names = list.agentNames.value;
  const rows = list.spaceId.value === spaceId ? list.sessions.value : [];

  return (
    <section>
      <div class="row">
        <h1>Sessions</h1>
        <span class="spacer" />
        {live && (
          <span class="muted" title={`Refreshing every ${sessionsPollMs / 1000} s while sessions are live`}>
            <span class="live-dot" />
            Live
          </span>
        )}
        <button class="link" onClick={() => list.load(spaceId, f).catch((err: unknown) => (error.value = errorMessage(err)))}>
          Refresh
        </button>
      </div>
      <form class="filters card" onSubmit={(e) => e.preventDefault()}>
        <label>
          Agent
          <select value={f.agentId} onChange={(e) => set("agentId", e.currentTarget.value)}>
            <option value="">Any agent</option>
            {Object.entries(names).map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={f.status} onChange={(e) => set("status", sessionStatuses.find((s) => s === e.currentTarget.value) ?? "")}>
            <option value="">Any status</option>
            {sessionStatuses.map((s) => (
              <option key={s} value={s}>
                {statusLabel[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel
          <select value={f.channel} onChange={(e) => set("channel", sessionChannels.find((c) => c === e.currentTarget.value) ?? "")}>
            <option value="">Any channel</option>
            {sessionChannels.map((c) => (
              <option key={c} value={c}>
                {channelLabel[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Direction
          <select
            value={directionApplies(f) ? f.direction : ""}
            disabled={!directionApplies(f)}
            title={directionApplies(f) ? undefined : "Only calls have a direction"}
            onChange={(e) => set("direction", callDirections.find((d) => d === e.currentTarget.value) ?? "")}
          >
            <option value="">Any direction</option>
            {callDirections.map((d) => (
              <option key={d} value={d}>
                {directionLabel[d]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Caller
          <input
            type="search"
            value={f.caller}
            placeholder="Number, last digits or caller id"
            title="A phone number in any form finds calls from or to it; a few digits find numbers ending with them; anything else matches a caller id exactly"
            onInput={(e) => set("caller", e.currentTarget.value)}
          />
        </label>
        <label>
          From
          <input type="date" value={f.from} max={f.to || undefined} onChange={(e) => set("from", e.currentTarget.value)} />
        </label>
        <label>
          To
          <input type="date" value={f.to} min={f.from || undefined} onChange={(e) => set("to", e.currentTarget.value)} />
        </label>
        <label>
          Analysis
          <select value={f.analysisStatus} onChange={(e) => set("analysisStatus", analysisStatuses.find((a) => a === e.currentTarget.value) ?? "")}>
            <option value="">Any analysis</option>
            {analysisStatuses.map((a) => (
              <option key={a} value={a}>
                {analysisStatusLabel[a]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Success
          <select value={f.success} onChange={(e) => set("success", e.currentTarget.value === "true" || e.currentTarget.value === "false" ? e.currentTarget.value : "")}>
            <option value="">Any verdict</option>
            <option value="true">Passed</option>
            <option value="false">Failed</option>
          </select>
        </label>
        {filtered && (
          <button type="button" class="link" onClick={() => (filters.value = noFilters)}>
            Clear filters
          </button>
        )}
      </form>
      {(error.value ?? list.error.value) && <p class="error">{error.value ?? list.error.value}</p>}
      {rows.length === 0 ? (
        <p class="muted">{list.loading.value ? "Loading…" : filtered ? "No session matches these filters." : "No sessions yet."}</p>
      ) : (
        <table class="sessions-table">
          <thead>
            <tr>
              <th>Started</th>
              <th>Agent</th>
              <th>Status</th>
              <th>Channel</th>
              <th>Caller</th>
              <th>Duration</th>
              <th>Reason</th>
              <th>Analysis</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => {
              const call = phoneRowLabel(s);
              const caller = describeCaller(s);
              return (
                <tr key={s.id}>
                  <td>
                    <a href={sessionPath(spaceId, s.id)}>{formatDate(s.startedAt ?? s.createdAt)}</a>
                  </td>
                  <td>{s.agentId ? (names[s.agentId] ?? s.agentId) : <span class="muted">deleted</span>}</td>
                  <td>
                    <SessionStatusBadge status={s.status} />
                  </td>
                  <td>{call ? <CallDirectionLabel direction={call.direction} /> : channelLabel[s.channel]}</td>
                  <td>
                    {call ? (
                      <span class="phone-number" title={call.title}>
                        {call.number}
                      </span>
                    ) : (
                      <span title={caller.title ?? undefined}>{caller.text}</span>
                    )}
                  </td>
                  <td>{isLiveStatus(s.status) ? <span class="muted">ongoing</span> : formatDuration(s.durationMs)}</td>
                  <td class={`reason${s.status === "failed" ? " error" : " muted"}`} title={s.failureReason ?? s.endReason ?? undefined}>
                    {isLiveStatus(s.status) ? "" : describeEnd(s)}
                  </td>
                  <td class="analysis-verdict">
                    <AnalysisVerdict analysis={s.analysis} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list.nextCursor.value && list.spaceId.value === spaceId && (
        <button disabled={list.loadingMore.value} onClick={() => list.loadMore().catch((err: unknown) => (error.value = errorMessage(err)))}>
          {list.loadingMore.value ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
