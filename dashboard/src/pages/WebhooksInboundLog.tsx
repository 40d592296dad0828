// The Inbound log tab: every request the space's providers (Twilio, VoxImplant, …) and inbound
// routes sent, newest first, filtered by provider, outcome and route. A row expands to what was
// recorded before acting: sanitised headers, the payload or form parameters, the signature
// verdict, the routing decision, the outcome and the processing time.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { InboundLogOutcome, type InboundLogEntry, type InboundRoute } from "../../../packages/contracts/src/webhooks.ts";
import { errorMessage } from "../api/client.ts";
import { noInboundLogFilters, pageKey, type InboundLogFilters, type InboundLogStore } from "../stores/webhooks-lists.ts";
import { formatLatency, headerPairs, outcomeBadge, outcomeLabels, signatureVerdict } from "../stores/webhooks-view.ts";
import { formatDate } from "../ui/forms.ts";
import { prettyJson } from "../ui/session-format.ts";

const providers = [
  { id: "route", label: "Inbound routes" },
  { id: "twilio", label: "Twilio" },
  { id: "voximplant", label: "VoxImplant" },
  { id: "livekit", label: "LiveKit" },
  { id: "lago", label: "Lago" },
];

export function WebhooksInboundLog({ store, routes, spaceId }: { store: InboundLogStore; routes: InboundRoute[]; spaceId: string }) {
  const filters = useSignal<InboundLogFilters>(store.spaceId.value === spaceId ? store.filters.value : noInboundLogFilters);
  const error = useSignal<string | null>(null);
  const f = filters.value;
  const load = () => {
    error.value = null;
    store.load(spaceId, filters.value).catch((err: unknown) => (error.value = errorMessage(err)));
  };
  useEffect(load, [spaceId, f]);
  const set = <K extends keyof InboundLogFilters>(key: K, value: InboundLogFilters[K]) => (filters.value = { ...filters.value, [key]: value });
  const rows = store.key.value === pageKey(spaceId, f) ? store.rows.value : [];
  const routeName = (id: string | null) => (id ? (routes.find((r) => r.id === id)?.name ?? id) : null);
  return (
    <div class="stack" data-section="inbound-log">
      <div class="row">
        <h3>Inbound log</h3>
        <span class="spacer" />
        <button type="button" class="link" onClick={load}>
          Refresh
        </button>
      </div>
      <form class="filters card" aria-label="Filter the inbound log" onSubmit={(e) => e.preventDefault()}>
        <label>
          Provider
          <select value={f.provider} onChange={(e) => set("provider", e.currentTarget.value)}>
            <option value="">Any provider</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outcome
          <select value={f.outcome} onChange={(e) => set("outcome", e.currentTarget.value as InboundLogFilters["outcome"])}>
            <option value="">Any outcome</option>
            {InboundLogOutcome.options.map((o) => (
              <option key={o} value={o}>
                {outcomeLabels[o]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Route
          <select value={f.routeId} onChange={(e) => set("routeId", e.currentTarget.value)}>
            <option value="">Any route</option>
            {routes.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        {JSON.stringify(f) !== JSON.stringify(noInboundLogFilters) && (
          <button type="button" class="link" onClick={() => (filters.value = noInboundLogFilters)}>
            Clear filters
          </button>
        )}
      </form>
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
      {store.nextCursor.value && (
        <button type="button" class="secondary more" disabled={store.loading.value} onClick={() => store.more().catch((err: unknown) => (error.value = errorMessage(err)))}>
          Load more
        </button>
      )}
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
                <table class="headers">
                  <caption class="visually-hidden">Request headers</caption>
                  <tbody>
                    {headerPairs(e.headers).map(([k, v]) => (
                      <tr key={k}>
                        <th scope="row">{k}</th>
                        <td>
                          <code>{v}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
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
