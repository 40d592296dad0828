// The campaign page's items: filters (status, last outcome, phone digits), the table (row, phone,
// status, attempts, last outcome and the latest session's analysis verdict, next attempt), "Load more" by cursor, and a drawer with one item's
// variables and attempts, each linking to its session (recording and transcript are there).
import { Fragment } from "preact";
import { useEffect } from "preact/hooks";
import { CampaignItemStatus, CampaignOutcome } from "../../../packages/contracts/src/campaigns.ts";
import { sessionPath } from "../router.ts";
import type { CampaignMonitorStore } from "../stores/campaign-monitor.ts";
import { itemStatusLabel, outcomeLabel, type ItemsFilter } from "../stores/campaigns.ts";
import { AnalysisVerdict } from "../ui/AnalysisVerdict.tsx";
import { ItemStatusBadge } from "../ui/CampaignProgress.tsx";
import { formatDate } from "../ui/forms.ts";
import { formatDuration } from "../ui/session-format.ts";

const typingDebounceMs = 300;

export function ItemsSection({ m, spaceId }: { m: CampaignMonitorStore; spaceId: string }) {
  const f = m.filter.value;
  const items = m.items;
  const set = (patch: Partial<ItemsFilter>) => (m.filter.value = { ...f, ...patch });
  // Filters apply as they change; typing in the phone search waits for a pause.
  useEffect(() => {
    const timer = setTimeout(() => void m.loadItems(), typingDebounceMs);
    return () => clearTimeout(timer);
  }, [f.status, f.outcome, f.phone.replace(/\D/g, "").length >= 3 ? f.phone.replace(/\D/g, "") : ""]);
  const rows = items.items.value;
  return (
    <div class="card stack" data-section="items">
      <div class="row">
        <h2>Contacts</h2>
        <span class="spacer" />
        <button type="button" class="link" onClick={() => void m.loadItems()}>
          Refresh
        </button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={f.status} onChange={(e) => set({ status: CampaignItemStatus.safeParse(e.currentTarget.value).data ?? "" })}>
            <option value="">Any status</option>
            {CampaignItemStatus.options.map((s) => (
              <option key={s} value={s}>
                {itemStatusLabel[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Last outcome
          <select value={f.outcome} onChange={(e) => set({ outcome: CampaignOutcome.safeParse(e.currentTarget.value).data ?? "" })}>
            <option value="">Any outcome</option>
            {CampaignOutcome.options.map((o) => (
              <option key={o} value={o}>
                {outcomeLabel[o]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Phone
          <input type="search" inputMode="tel" placeholder="3 digits or more" value={f.phone} onInput={(e) => set({ phone: e.currentTarget.value })} />
        </label>
      </form>
      {items.error.value && <p class="error">Could not load the contacts: {items.error.value}</p>}
      {rows.length === 0 ? (
        <p class="muted">{items.loading.value ? "Loading…" : "No contact matches."}</p>
      ) : (
        <table class="items-table">
          <thead>
            <tr>
              <th>Row</th>
              <th>Phone</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last outcome</th>
              <th>Analysis</th>
              <th>Next attempt</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr key={i.id} class="clickable" data-item={i.id} tabIndex={0} onClick={() => void m.openItem(i.id)} onKeyDown={(e) => e.key === "Enter" && void m.openItem(i.id)}>
                <td>{i.rowNumber}</td>
                <td>{i.phone}</td>
                <td>
                  <ItemStatusBadge status={i.status} />
                </td>
                <td>{i.attempts}</td>
                <td>{i.lastOutcome ? <span class={`badge outcome-${i.lastOutcome}`}>{outcomeLabel[i.lastOutcome]}</span> : <span class="muted">—</span>}</td>
                <td>
                  <AnalysisVerdict analysis={i.lastAnalysis} />
                </td>
                <td>{i.nextAttemptAt ? formatDate(i.nextAttemptAt) : <span class="muted">—</span>}</td>
                <td>{formatDate(i.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items.nextCursor.value && (
        <button type="button" class="link" style={{ alignSelf: "flex-start" }} disabled={items.loading.value} onClick={() => void m.loadItems(true)}>
          {items.loading.value ? "Loading…" : "Load more"}
        </button>
      )}
      <ItemDrawer m={m} spaceId={spaceId} />
    </div>
  );
}

function ItemDrawer({ m, spaceId }: { m: CampaignMonitorStore; spaceId: string }) {
  const item = m.item.value;
  if (!item && !m.itemError.value) return null;
  return (
    <aside class="drawer stack" aria-label="Contact">
      <div class="row">
        <h2>{item ? `Row ${item.rowNumber}: ${item.phone}` : "Contact"}</h2>
        <span class="spacer" />
        <button type="button" class="link" onClick={() => m.closeItem()}>
          Close
        </button>
      </div>
      {m.itemError.value && <p class="error">{m.itemError.value}</p>}
      {item && (
        <>
          <dl class="meta">
            <dt>Status</dt>
            <dd>
              <ItemStatusBadge status={item.status} />
            </dd>
            <dt>Time zone</dt>
            <dd>{item.timeZone ?? "the campaign's default"}</dd>
            <dt>Next attempt</dt>
            <dd>{formatDate(item.nextAttemptAt)}</dd>
            {item.lastError && (
              <>
                <dt>Last error</dt>
                <dd class="error">{item.lastError}</dd>
              </>
            )}
          </dl>
          <h3>Variables</h3>
          {Object.keys(item.variables).length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <dl class="meta">
              {Object.entries(item.variables).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd>{v === null ? "—" : String(v)}</dd>
                </Fragment>
              ))}
            </dl>
          )}
          <h3>Attempts</h3>
          {item.attemptHistory.length === 0 ? (
            <p class="muted">Not called yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>Outcome</th>
                  <th>Dialled</th>
                  <th>Duration</th>
                  <th>Session</th>
                </tr>
              </thead>
              <tbody>
                {item.attemptHistory.map((a) => (
                  <tr key={a.id}>
                    <td>{a.attemptNumber}</td>
                    <td>
                      {a.outcome ? <span class={`badge outcome-${a.outcome}`}>{outcomeLabel[a.outcome]}</span> : <span class="muted">{a.state === "ended" ? "—" : "in progress"}</span>}
                      {a.error && a.error !== a.outcome && (
                        <small class="error" style={{ display: "block" }}>
                          {a.error}
                        </small>
                      )}
                    </td>
                    <td>{formatDate(a.dialedAt)}</td>
                    <td>{a.durationS === null ? "—" : formatDuration(a.durationS * 1000)}</td>
                    <td>{a.sessionId ? <a href={sessionPath(spaceId, a.sessionId)}>open</a> : <span class="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </aside>
  );
}
