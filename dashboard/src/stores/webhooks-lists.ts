// The Webhooks page's two histories, newest first with "Load more": the deliveries of the space's
// endpoints (filters: endpoint, event type, status; a delivery's detail with its payload and every
// attempt; replay one, or every failed one since a time) and the inbound webhook log (filters:
// provider, outcome, route). One paged-list shape serves both; `applyPageEvent` is pure and
// tested without a DOM, and drops answers for filters since changed.
import { batch, signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { WebhookBulkReplayResult, WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryList, type WebhookDeliveryStatus } from "../../../packages/contracts/src/webhooks.ts";
import { InboundLogList, type InboundLogEntry, type InboundLogOutcome } from "../../../packages/contracts/src/webhooks-inbound.ts";
import type { z } from "zod";
import { errorMessage, type Api, type Query } from "../api/client.ts";

export interface DeliveryFilters {
  endpointId: string;
  eventType: string;
  status: z.infer<typeof WebhookDeliveryStatus> | "";
}
export const noDeliveryFilters: DeliveryFilters = { endpointId: "", eventType: "", status: "" };

export interface InboundLogFilters {
  provider: string;
  outcome: z.infer<typeof InboundLogOutcome> | "";
  routeId: string;
}
export const noInboundLogFilters: InboundLogFilters = { provider: "", outcome: "", routeId: "" };

/** The query of a page: empty filters are left out. */
export function filterQuery(filters: object, cursor: string | null, limit = 50): Query {
  const query: Query = { limit };
  for (const [k, v] of Object.entries(filters)) if (typeof v === "string" && v !== "") query[k] = v;
  if (cursor) query["cursor"] = cursor;
  return query;
}

export type PageEvent<T, F> =
  | { type: "loading"; key: string; filters: F; more: boolean }
  | { type: "page"; key: string; rows: T[]; nextCursor: string | null; more: boolean }
  | { type: "failed"; key: string; message: string }
  | { type: "row"; row: T };

export interface PagedState<T, F> {
  /** Space and filters of what is shown: answers for another key are dropped. */
  key: { value: string | null };
  filters: { value: F };
  rows: { value: T[] };
  nextCursor: { value: string | null };
  loading: { value: boolean };
  error: { value: string | null };
}

export const pageKey = (spaceId: string, filters: object) => `${spaceId} ${JSON.stringify(filters)}`;

export function applyPageEvent<T extends { id: string }, F>(state: PagedState<T, F>, event: PageEvent<T, F>): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        if (!event.more && state.key.value !== event.key) {
          state.rows.value = [];
          state.nextCursor.value = null;
        }
        state.key.value = event.key;
        state.filters.value = event.filters;
        state.loading.value = true;
        state.error.value = null;
        return;
      case "page":
        if (state.key.value !== event.key) return;
        if (event.more) {
          const seen = new Set(state.rows.value.map((r) => r.id));
          state.rows.value = [...state.rows.value, ...event.rows.filter((r) => !seen.has(r.id))];
        } else state.rows.value = event.rows;
        state.nextCursor.value = event.nextCursor;
        state.loading.value = false;
        return;
      case "failed":
        if (state.key.value !== event.key) return;
        state.error.value = event.message;
        state.loading.value = false;
        return;
      case "row":
        // A replayed delivery: its new status in place (it is not new, so it keeps its position).
        state.rows.value = state.rows.value.map((r) => (r.id === event.row.id ? event.row : r));
        return;
    }
  });
}

function createPagedList<T extends { id: string }, F extends object>(fetchPage: (spaceId: string, query: Query) => Promise<{ data: T[]; nextCursor: string | null }>, empty: F) {
  const state = {
    key: signal<string | null>(null),
    spaceId: signal<string | null>(null),
    filters: signal<F>(empty),
    rows: signal<T[]>([]),
    nextCursor: signal<string | null>(null),
    loading: signal(false),
    error: signal<string | null>(null),
  };
  async function run(spaceId: string, filters: F, cursor: string | null): Promise<void> {
    const key = pageKey(spaceId, filters);
    const more = cursor !== null;
    state.spaceId.value = spaceId;
    applyPageEvent(state, { type: "loading", key, filters, more });
    try {
      const page = await fetchPage(spaceId, filterQuery(filters, cursor));
      applyPageEvent(state, { type: "page", key, rows: page.data, nextCursor: page.nextCursor, more });
    } catch (err) {
      applyPageEvent(state, { type: "failed", key, message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }
  return {
    ...state,
    load: (spaceId: string, filters: F) => run(spaceId, filters, null),
    more: () => {
      const spaceId = state.spaceId.value;
      return spaceId && state.nextCursor.value ? run(spaceId, state.filters.value, state.nextCursor.value) : Promise.resolve();
    },
    replaceRow: (row: T) => applyPageEvent(state, { type: "row", row }),
  };
}

/**
 * A list tab's rows for its space and filters: read again when either changes (or on `load`), and
 * shown only while they are the answer for both. A load or "Load more" that failed says why in
 * `error` (the store's own error covers answers it dropped).
 */
export function usePagedList<T, F extends object>(store: { key: { value: string | null }; rows: { value: T[] }; load: (spaceId: string, filters: F) => Promise<void>; more: () => Promise<void> }, spaceId: string, filters: { value: F }) {
  const error = useSignal<string | null>(null);
  const f = filters.value;
  const load = () => {
    error.value = null;
    store.load(spaceId, filters.value).catch((err: unknown) => (error.value = errorMessage(err)));
  };
  useEffect(load, [spaceId, f]);
  const more = () => store.more().catch((err: unknown) => (error.value = errorMessage(err)));
  const rows = store.key.value === pageKey(spaceId, f) ? store.rows.value : [];
  return { error, load, more, rows };
}

const base = (spaceId: string) => `/v1/spaces/${encodeURIComponent(spaceId)}/webhooks`;

export function createDeliveriesStore(api: Api) {
  const list = createPagedList<WebhookDelivery, DeliveryFilters>((spaceId, query) => api.json(WebhookDeliveryList, "GET", `${base(spaceId)}/deliveries`, { query }), noDeliveryFilters);
  const detail = signal<WebhookDeliveryDetail | null>(null);
  const detailError = signal<string | null>(null);
  async function open(spaceId: string, deliveryId: string): Promise<void> {
    detailError.value = null;
    if (detail.value?.id !== deliveryId) detail.value = null;
    try {
      detail.value = await api.json(WebhookDeliveryDetail, "GET", `${base(spaceId)}/deliveries/${encodeURIComponent(deliveryId)}`);
    } catch (err) {
      detailError.value = err instanceof Error ? err.message : String(err);
    }
  }
  /** Replays one delivery: its row shows it pending again; the detail, if open, is read again. */
  async function replay(spaceId: string, deliveryId: string): Promise<WebhookDelivery> {
    const row = await api.json(WebhookDelivery, "POST", `${base(spaceId)}/deliveries/${encodeURIComponent(deliveryId)}/replay`);
    list.replaceRow(row);
    if (detail.value?.id === deliveryId) await open(spaceId, deliveryId);
    return row;
  }
  /** Replays every failed delivery since `since` (of one endpoint when given); answers how many. */
  async function replayFailed(spaceId: string, since: string, endpointId: string | null): Promise<number> {
    const body = { since, ...(endpointId ? { endpointId } : {}) };
    return (await api.json(WebhookBulkReplayResult, "POST", `${base(spaceId)}/deliveries/replay`, { body })).replayed;
  }
  return { ...list, detail, detailError, open, close: () => (detail.value = null), replay, replayFailed };
}

export type DeliveriesStore = ReturnType<typeof createDeliveriesStore>;

export function createInboundLogStore(api: Api) {
  const list = createPagedList<InboundLogEntry, InboundLogFilters>((spaceId, query) => api.json(InboundLogList, "GET", `${base(spaceId)}/inbound-log`, { query }), noInboundLogFilters);
  /** The rows shown expanded, by id. */
  const expanded = signal<ReadonlySet<string>>(new Set());
  const toggle = (id: string) => {
    const next = new Set(expanded.value);
    if (!next.delete(id)) next.add(id);
    expanded.value = next;
  };
  return { ...list, expanded, toggle };
}

export type InboundLogStore = ReturnType<typeof createInboundLogStore>;
