// One campaign's page (/app/spaces/:spaceId/campaigns/:campaignId): summary tiles, the progress bar
// by item status, the live line (connected, why it waits, dials per minute, ETA), the calls in
// progress with links to their live session view, recent results, the items table and drawer
// (CampaignItems.tsx), and the controls: pause, resume, cancel (let live calls finish or end them),
// export CSV (fetched with the auth header, saved from a blob).
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { campaignWizardPath, sessionPath, spacePath } from "../router.ts";
import { formatEta, isFinished } from "../stores/campaign-live.ts";
import { createCampaignMonitorStore, type CampaignMonitorStore } from "../stores/campaign-monitor.ts";
import { outcomeLabel } from "../stores/campaigns.ts";
import { windowSummary } from "../stores/campaign-settings-form.ts";
import { useStores } from "../stores/index.ts";
import { CampaignStatusBadge, ProgressBar } from "../ui/CampaignProgress.tsx";
import { formatDate } from "../ui/forms.ts";
import { formatDuration } from "../ui/session-format.ts";
import "../ui/campaigns.css";
import "../ui/sessions.css";
import { ItemsSection } from "./CampaignItems.tsx";

export default function CampaignMonitorPage({ spaceId, campaignId }: { spaceId: string; campaignId: string }) {
  const { api, agents } = useStores();
  const m = useMemo(() => createCampaignMonitorStore(api), [api]);
  const ready = useSignal(false);
  /** Bumped by "Reconnect" after the live connection gave up. */
  const attempt = useSignal(0);
  useEffect(() => {
    ready.value = false;
    void m.load(campaignId).then(() => (ready.value = true)); // the items section loads its rows
    if (agents.spaceId.value !== spaceId || agents.agents.value.length === 0) agents.load(spaceId).catch(() => {});
  }, [campaignId]);
  const detailStatus = m.detail.value?.status;
  // (Re)connects when the campaign is first read and whenever it becomes live again (resume).
  useEffect(() => (ready.value ? m.watch() : undefined), [ready.value, campaignId, detailStatus === "running" || detailStatus === "paused", attempt.value]);

  const d = m.detail.value;
  if (m.error.value && !d) return <p class="error">Could not load this campaign: {m.error.value}</p>;
  if (!d) return <p class="muted">Loading…</p>;
  const status = m.status.value ?? d.status;
  const agent = agents.agents.value.find((a) => a.id === d.agentId);
  const { byStatus, total } = m.counts.value;
  const s = d.summary;
  return (
    <section class="campaigns monitor">
      <div class="row">
        <h1>{d.name}</h1>
        <CampaignStatusBadge status={status} />
        <span class="spacer" />
        <a href={spacePath(spaceId, "campaigns")}>All campaigns</a>
      </div>
      <p class="muted">
        {agent?.name ?? d.agentId}
        {d.agentVersion !== null && ` v${d.agentVersion}`} · {d.itemCount} contacts · {d.settings.windows.map(windowSummary).join("; ")} · launched {formatDate(d.launchedAt)}
        {d.endedAt && ` · ended ${formatDate(d.endedAt)}`}
      </p>
      {status === "draft" && (
        <p class="card">
          This campaign is a draft. <a href={campaignWizardPath(spaceId, d.id)}>Continue setting it up</a>.
        </p>
      )}
      <Controls m={m} status={status} />
      <div class="tiles" data-testid="summary-tiles">
        <Tile label="Reached" value={s.reached} />
        <Tile label="Completed" value={s.completed} />
        <Tile label="Voicemail" value={s.voicemail} />
        <Tile label="No answer" value={s.noAnswer} />
        <Tile label="Busy" value={s.busy} />
        <Tile label="Failed" value={s.failed} />
        <Tile label="Calls placed" value={s.attempts} />
        <Tile label="Average duration" value={s.averageDurationS === null ? "—" : formatDuration(s.averageDurationS * 1000)} />
        <Tile label="Minutes" value={s.minutesUsed.toFixed(1)} />
      </div>
      <div class="card">
        <ProgressBar byStatus={byStatus} total={total} legend />
      </div>
      {status !== "draft" && <LiveSection m={m} spaceId={spaceId} finished={isFinished(status)} onReconnect={() => void m.load(campaignId).then(() => attempt.value++)} />}
      <ItemsSection m={m} spaceId={spaceId} />
    </section>
  );
}

function Tile({ label, value }: { label: string; value: number | string }) {
  return (
    <div class="tile">
      <span class="value">{value}</span>
      <span class="label">{label}</span>
    </div>
  );
}

function Controls({ m, status }: { m: CampaignMonitorStore; status: string }) {
  const asking = useSignal(false);
  const busy = m.busy.value;
  const download = async () => {
    const blob = await m.exportCsv();
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `${m.detail.value?.name.replace(/[^\w.-]+/g, "-") ?? "campaign"}-items.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const live = m.live.progress.value?.liveCalls.length ?? 0;
  return (
    <div class="stack">
      <div class="row">
        {status === "running" && (
          <button type="button" disabled={!!busy} onClick={() => void m.pause()}>
            Pause
          </button>
        )}
        {status === "paused" && (
          <button type="button" disabled={!!busy} onClick={() => void m.resume()}>
            Resume
          </button>
        )}
        {(status === "running" || status === "paused") && (
          <button type="button" class="danger-fill" disabled={!!busy} onClick={() => (asking.value = true)}>
            Cancel campaign…
          </button>
        )}
        <button type="button" class="link" onClick={() => void download()}>
          Export CSV
        </button>
        {busy && <span class="muted">{busy}</span>}
        {m.actionError.value && (
          <span class="error" role="alert">
            {m.actionError.value}
          </span>
        )}
      </div>
      {asking.value && (
        <div class="dialog stack" role="dialog" aria-label="Cancel the campaign">
          <strong>Cancel this campaign?</strong>
          <span>Contacts not called yet will not be called. {live > 0 ? `${live} call${live === 1 ? " is" : "s are"} in progress right now.` : ""}</span>
          <div class="row">
            <button type="button" class="danger-fill" disabled={!!busy} onClick={() => void m.cancel("finish").then(() => (asking.value = false))}>
              Cancel, let live calls finish
            </button>
            <button type="button" class="danger-fill" disabled={!!busy} onClick={() => void m.cancel("end_calls").then(() => (asking.value = false))}>
              Cancel and hang up live calls
            </button>
            <button type="button" class="link" onClick={() => (asking.value = false)}>
              Keep it running
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function LiveSection({ m, spaceId, finished, onReconnect }: { m: CampaignMonitorStore; spaceId: string; finished: boolean; onReconnect: () => void }) {
  const p = m.live.progress.value;
  const connected = m.live.connected.value;
  return (
    <>
      <div class="live-line" data-testid="live-line">
        {finished ? (
          <span class="muted">This campaign is over.</span>
        ) : connected ? (
          <span>
            <span class="live-dot" />
            Live
          </span>
        ) : (
          <span class="muted">{m.live.lost.value ?? "Connecting to live progress…"}</span>
        )}
        {p && !finished && (
          <>
            <span>
              <strong>{p.dialsPerMinute.toFixed(1)}</strong> dials/min
            </span>
            <span>
              ETA <strong>{formatEta(p.etaS)}</strong>
            </span>
            {p.nextDialAt && <span class="muted">next call {formatDate(p.nextDialAt)}</span>}
          </>
        )}
        {m.live.lost.value && !finished && (
          <button type="button" class="link" onClick={onReconnect}>
            Reconnect
          </button>
        )}
      </div>
      {p?.waiting && !finished && (
        <p class="waiting" data-testid="waiting">
          Waiting: {p.waiting}
        </p>
      )}
      <div class="columns">
        <div class="card">
          <h2>Calls in progress {p ? `(${p.liveCalls.length})` : ""}</h2>
          {!p || p.liveCalls.length === 0 ? (
            <p class="muted">None right now.</p>
          ) : (
            <ul class="plain">
              {p.liveCalls.map((c) => (
                <li key={c.attemptId}>
                  <span class="live-dot" />
                  {c.phone} · attempt {c.attemptNumber} · since {new Date(c.startedAt).toLocaleTimeString()}{" "}
                  {c.sessionId ? <a href={sessionPath(spaceId, c.sessionId)}>live view</a> : <span class="muted">dialling…</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div class="card">
          <h2>Recent results</h2>
          {!p || p.recent.length === 0 ? (
            <p class="muted">No call has ended yet.</p>
          ) : (
            <ul class="plain">
              {p.recent.map((r) => (
                <li key={r.attemptId}>
                  <span class={`badge outcome-${r.outcome}`}>{outcomeLabel[r.outcome]}</span> {r.phone} · attempt {r.attemptNumber} · {new Date(r.endedAt).toLocaleTimeString()}{" "}
                  {r.sessionId && <a href={sessionPath(spaceId, r.sessionId)}>session</a>}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </>
  );
}
