// The Inbound log tab: every request the space's providers (Twilio, VoxImplant, …) and inbound
// routes sent, newest first, filtered by provider, outcome and route. A row expands to what was
// recorded before acting: sanitised headers, the payload or form parameters, the signature
// verdict, the routing decision, the outcome and the processing time.
import { useSignal } from "@preact/signals";
import { InboundLogOutcome, type InboundLogEntry, type InboundRoute } from "../../../packages/contracts/src/webhooks-inbound.ts";
import { noInboundLogFilters, usePagedList, type InboundLogFilters, type InboundLogStore } from "../stores/webhooks-lists.ts";
import { formatLatency, headerPairs, outcomeBadge, outcomeLabels, signatureVerdict } from "../stores/webhooks-view.ts";
import { formatDate } from "../ui/forms.ts";
import { FilterForm, FilterSelect, HeadersTable, ListHeading, LoadMore } from "../ui/ListParts.tsx";
import { prettyJson } from "../ui/session-format.ts";

const providers = [
  { value: "route", label: "Inbound routes" },
  { value: "twilio", label: "Twilio" },
  { value: "voximplant", label: "VoxImplant" },
  { value: "livekit", label: "LiveKit" },
  { value: "lago", label: "Lago" },
];
const outcomes = InboundLogOutcome.options.map((o) => ({ value: o, label: outcomeLabels[o] }));

export function WebhooksInboundLog({ store, routes, spaceId }: { store: InboundLogStore; routes: InboundRoute[]; spaceId: string }) {
  const filters = useSignal<InboundLogFilters>(store.spaceId.value === spaceId ? store.filters.value : noInboundLogFilters);
  const { error, load, more, rows } = usePagedList(store, spaceId, filters);
  const f = filters.value;
  const set = <K extends keyof InboundLogFilters>(key: K, value: InboundLogFilters[K]) => (filters.value = { ...filters.value, [key]: value });
  const routeName = (id: string | null) => (id ? (routes.find((r) => r.id === id)?.name ?? id) : null);
  return (
    <div class="stack" data-section="inbound-log">
      <ListHeading title="Inbound log" onRefresh={load} />
      <FilterForm label="Filter the inbound log" filters={f} empty={noInboundLogFilters} onClear={() => (filters.value = noInboundLogFilters)}>
        <FilterSelect label="Provider" value={f.provider} any="Any provider" options={providers} onChange={(v) => set("provider", v)} />
        <FilterSelect label="Outcome" value={f.outcome} any="Any outcome" options={outcomes} onChange={(v) => set("outcome", v)} />
        <FilterSelect label="Route" value={f.routeId} any="Any route" options={routes.map((r) => ({ value: r.id, label: r.name }))} onChange={(v) => set("routeId", v)} />
      </FilterForm>
      {(error.value ?? store.error.value) && <p class="error">Could not load the inbound log: {error.value ?? store.error.value}</p>}
      {rows.length === 0 ? (
        <p class="muted">{store.loading.value ? "Loading…" : "No inbound request recorded yet."}</p>
      ) : (
        <table class="inbound-log">
          <caption class="visually-hidden">Inbound webhook requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Provider</th>
              <th scope="col">Kind</th>
              <th scope="col">Signature</th>
              <th scope="col">Outcome</th>
              <th scope="col">Routing</th>
              <th scope="col">Time</th>
              <th scope="col">
                <span class="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <LogRow key={e.id} entry={e} routeName={routeName(e.routeId)} open={store.expanded.value.has(e.id)} onToggle={() => store.toggle(e.id)} />
            ))}
          </tbody>
        </table>
      )}
      {store.nextCursor.value && <LoadMore loading={store.loading.value} onMore={more} />}
    </div>
  );
}

function LogRow({ entry: e, routeName, open, onToggle }: { entry: InboundLogEntry; routeName: string | null; open: boolean; onToggle: () => void }) {
  const outcome = outcomeBadge(e.outcome);
  const sig = signatureVerdict(e);
  const detailId = `log-${e.id}`;
  return (
    <>
      <tr data-log={e.id} data-outcome={e.outcome} class={open ? "selected" : ""}>
        <td>{formatDate(e.receivedAt)}</td>
        <td>
          {e.provider}
          {routeName && <span class="muted"> · {routeName}</span>}
        </td>
        <td>{e.kind}</td>
        <td>
          <span class={`badge ${sig.tone}`}>{sig.label}</span>
        </td>
        <td>
          <span class={`badge ${outcome.tone}`}>{outcome.label}</span>
        </td>
        <td class="routing">{e.routing ?? <span class="muted">—</span>}</td>
        <td>{formatLatency(e.processingMs)}</td>
        <td>
          <button type="button" class="link" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
            {open ? "Hide" : "Show"}
            <span class="visually-hidden"> request of {formatDate(e.receivedAt)}</span>
          </button>
        </td>
      </tr>
      {open && (
        <tr class="log-detail" id={detailId}>
          <td colSpan={8}>
            <dl class="meta">
              <div>
                <dt>Request</dt>
                <dd>
                  <code>
                    {e.method} {e.url}
                  </code>
                </dd>
              </div>
              <div>
                <dt>Routing</dt>
                <dd>{e.routing ?? "—"}</dd>
              </div>
              <div>
                <dt>Outcome</dt>
                <dd>
                  {outcome.label}
                  {e.detail ? `: ${e.detail}` : ""}
                </dd>
              </div>
              <div>
                <dt>Processed</dt>
                <dd>
                  {e.processedAt ? `${formatDate(e.processedAt)} (${formatLatency(e.processingMs)})` : "not yet"}
                </dd>
              </div>
              {e.sessionId && (
                <div>
                  <dt>Session</dt>
                  <dd>
                    <code>{e.sessionId}</code>
                  </dd>
                </div>
              )}
            </dl>
            <div class="log-columns">
              <div>
                <h4>Headers (sanitised)</h4>
                <HeadersTable caption="Request headers" pairs={headerPairs(e.headers)} />
              </div>
              <div>
                <h4>{e.payload !== null && e.payload !== undefined ? "Payload" : "Parameters"}</h4>
                <pre class="payload" tabIndex={0} aria-label="Payload">
                  {prettyJson(e.payload !== null && e.payload !== undefined ? e.payload : e.params)}
                </pre>
              </div>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
