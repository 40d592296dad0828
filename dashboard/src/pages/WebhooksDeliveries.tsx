// The Deliveries tab: every event sent to the space's endpoints, newest first, filtered by
// endpoint, event type and status, with "Load more". A row opens its detail (payload and every
// attempt, WebhooksDeliveryDetail.tsx). Owners replay one delivery, or every failed one since a
// time. While a listed delivery is pending the list is read again every few seconds.
import { useSignal, type Signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";
import { errorMessage } from "../api/client.ts";
import { eventTypeLabels, sinceIso } from "../stores/webhooks-forms.ts";
import { noDeliveryFilters, usePagedList, type DeliveriesStore, type DeliveryFilters } from "../stores/webhooks-lists.ts";
import { deliveryBadge, lastStatus, shortUrl } from "../stores/webhooks-view.ts";
import { webhookEventTypes } from "../../../packages/contracts/src/webhooks.ts";
import { formatDate } from "../ui/forms.ts";
import { FilterForm, FilterSelect, ListHeading, LoadMore } from "../ui/ListParts.tsx";
import { WebhooksDeliveryDetail } from "./WebhooksDeliveryDetail.tsx";

export const deliveriesPollMs = 3000;

const eventTypes = webhookEventTypes.map((t) => ({ value: t, label: eventTypeLabels[t] }));
const statuses = [
  { value: "pending", label: "Pending" },
  { value: "succeeded", label: "Succeeded" },
  { value: "failed", label: "Failed" },
] as const;

export function WebhooksDeliveries(props: { store: DeliveriesStore; endpoints: WebhookEndpoint[]; spaceId: string; can: boolean; filters: Signal<DeliveryFilters> }) {
  const { store, endpoints, spaceId, can, filters } = props;
  const { error, load, more, rows } = usePagedList(store, spaceId, filters);
  const f = filters.value;
  const pending = rows.some((d) => d.status === "pending");
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== "visible") return;
      store.load(spaceId, filters.value).catch(() => {}); // the next tick tries again
      const open = store.detail.value;
      if (open && open.status === "pending") void store.open(spaceId, open.id);
    }, deliveriesPollMs);
    return () => clearInterval(timer);
  }, [pending, spaceId, f]);

  const set = <K extends keyof DeliveryFilters>(key: K, value: DeliveryFilters[K]) => (filters.value = { ...filters.value, [key]: value });
  const urlOf = (id: string) => endpoints.find((e) => e.id === id)?.url ?? id;
  const openId = store.detail.value?.id ?? null;
  return (
    <div class="stack" data-section="deliveries">
      <ListHeading title="Deliveries" onRefresh={load} />
      <FilterForm label="Filter deliveries" filters={f} empty={noDeliveryFilters} onClear={() => (filters.value = noDeliveryFilters)}>
        <FilterSelect label="Endpoint" value={f.endpointId} any="Any endpoint" options={endpoints.map((e) => ({ value: e.id, label: shortUrl(e.url) }))} onChange={(v) => set("endpointId", v)} />
        <FilterSelect label="Event type" value={f.eventType} any="Any type" options={eventTypes} onChange={(v) => set("eventType", v)} />
        <FilterSelect label="Status" value={f.status} any="Any status" options={statuses} onChange={(v) => set("status", v)} />
      </FilterForm>
      {can && <ReplayFailed store={store} spaceId={spaceId} endpointId={f.endpointId || null} endpointUrl={f.endpointId ? urlOf(f.endpointId) : null} onDone={load} />}
      {(error.value ?? store.error.value) && <p class="error">Could not load the deliveries: {error.value ?? store.error.value}</p>}
      {rows.length === 0 ? (
        <p class="muted">{store.loading.value ? "Loading…" : "No deliveries yet. Send a test event from the Endpoints tab to see one."}</p>
      ) : (
        <table class="deliveries">
          <caption class="visually-hidden">Deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Event</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => {
              const badge = deliveryBadge(d, formatDate);
              return (
                <tr key={d.id} data-delivery={d.id} data-status={d.status} class={openId === d.id ? "selected" : ""}>
                  <td>{formatDate(d.createdAt)}</td>
                  <td>
                    <code>{d.eventType}</code>
                  </td>
                  <td class="url">{shortUrl(urlOf(d.endpointId), 40)}</td>
                  <td>
                    <span class={`badge ${badge.tone}`} title={badge.detail ?? undefined}>
                      {badge.label}
                    </span>
                  </td>
                  <td>{d.attempts}</td>
                  <td>{lastStatus(d)}</td>
                  <td class="actions">
                    <button type="button" class="link" aria-expanded={openId === d.id} onClick={() => (openId === d.id ? store.close() : void store.open(spaceId, d.id))}>
                      {openId === d.id ? "Hide" : "Details"}
                      <span class="visually-hidden"> of {d.eventType} {formatDate(d.createdAt)}</span>
                    </button>
                    {can && d.status !== "pending" && (
                      <button type="button" class="link" onClick={() => store.replay(spaceId, d.id).catch((err: unknown) => (error.value = errorMessage(err)))}>
                        Replay<span class="visually-hidden"> {d.eventType} {formatDate(d.createdAt)}</span>
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {store.nextCursor.value && <LoadMore loading={store.loading.value} onMore={more} />}
      {store.detailError.value && <p class="error">Could not load the delivery: {store.detailError.value}</p>}
      {store.detail.value && <WebhooksDeliveryDetail store={store} spaceId={spaceId} detail={store.detail.value} endpointUrl={urlOf(store.detail.value.endpointId)} can={can} />}
    </div>
  );
}

/** "Replay failed since…": every failed delivery since a time, of the filtered endpoint or all. */
function ReplayFailed({ store, spaceId, endpointId, endpointUrl, onDone }: { store: DeliveriesStore; spaceId: string; endpointId: string | null; endpointUrl: string | null; onDone: () => void }) {
  const since = useSignal("");
  const result = useSignal<string | null>(null);
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    result.value = null;
    error.value = null;
    const iso = sinceIso(since.value);
    if (!iso) {
      error.value = "Choose a date and time to replay from.";
      return;
    }
    if (!confirm(`Send every failed delivery since ${formatDate(iso)} ${endpointUrl ? `to ${endpointUrl}` : "to its endpoint"} again?`)) return;
    busy.value = true;
    try {
      const n = await store.replayFailed(spaceId, iso, endpointId);
      result.value = n === 0 ? "No failed delivery since then." : `${n} ${n === 1 ? "delivery is" : "deliveries are"} being sent again.`;
      onDone();
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  };
  return (
    <form class="replay-failed row" aria-label="Replay failed deliveries" onSubmit={submit}>
      <label>
        Replay failed deliveries since
        <input type="datetime-local" value={since.value} onInput={(e) => (since.value = e.currentTarget.value)} />
      </label>
      <button type="submit" class="secondary" disabled={busy.value}>
        {endpointUrl ? "Replay this endpoint's failed" : "Replay all failed"}
      </button>
      {result.value && (
        <span class="done" role="status">
          {result.value}
        </span>
      )}
      {error.value && (
        <span class="error" role="alert">
          {error.value}
        </span>
      )}
    </form>
  );
}
