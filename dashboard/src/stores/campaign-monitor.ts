// One campaign's monitoring page: its detail (settings, summary, events URL), the live progress
// (campaign-live.ts), the items table (filters, cursor paging), the item drawer (attempts with their
// sessions), the controls (pause, resume, cancel) and the CSV export. Live frames say what changed,
// so the summary and the first page of items are read again after them (at most every few seconds).
import { batch, computed, signal } from "@preact/signals";
import type { CampaignDetail, CampaignItem, CampaignItemDetail, CampaignItemStatus, CampaignProgress, CampaignStatus, CancelCampaignBody } from "../../../packages/contracts/src/campaigns.ts";
import type { Api } from "../api/client.ts";
import { formErrors } from "../ui/forms.ts";
import { applyProgress, connectCampaignLive, createCampaignLiveState, isFinished } from "./campaign-live.ts";
import { campaignsApi, noItemsFilter, type ItemsFilter } from "./campaigns.ts";
import type { OpenSocket } from "./sessions-live.ts";

/** The status to show: the live one when it is at least as recent as the detail read. */
export function currentStatus(detail: Pick<CampaignDetail, "status" | "updatedAt"> | null, progress: Pick<CampaignProgress, "status" | "updatedAt"> | null): CampaignStatus | null {
  if (!detail) return progress?.status ?? null;
  if (!progress) return detail.status;
  if (isFinished(detail.status)) return detail.status;
  return Date.parse(progress.updatedAt) >= Date.parse(detail.updatedAt) ? progress.status : detail.status;
}

/** Items by status: the live counts once there are some, the summary's before. */
export function currentByStatus(detail: CampaignDetail | null, progress: CampaignProgress | null): { byStatus: Partial<Record<CampaignItemStatus, number>>; total: number } {
  if (progress) return { byStatus: progress.byStatus, total: progress.total };
  if (detail) return { byStatus: detail.summary.byStatus, total: detail.summary.total };
  return { byStatus: {}, total: 0 };
}

export type ItemsEvent =
  | { type: "loading"; key: string; append: boolean }
  | { type: "loaded"; key: string; items: CampaignItem[]; nextCursor: string | null; append: boolean }
  | { type: "failed"; key: string; message: string };

export interface ItemsState {
  key: { value: string };
  items: { value: CampaignItem[] };
  nextCursor: { value: string | null };
  loading: { value: boolean };
  error: { value: string | null };
}

/** Applies an items page; a page for another filter than the one shown (a slow reply) is dropped. */
export function applyItemsEvent(s: ItemsState, e: ItemsEvent): void {
  batch(() => {
    if (e.type === "loading") {
      if (!e.append && s.key.value !== e.key) {
        s.items.value = [];
        s.nextCursor.value = null;
      }
      s.key.value = e.key;
      s.loading.value = true;
      s.error.value = null;
      return;
    }
    if (s.key.value !== e.key) return;
    s.loading.value = false;
    if (e.type === "failed") {
      s.error.value = e.message;
      return;
    }
    const known = e.append ? s.items.value : [];
    const ids = new Set(known.map((i) => i.id));
    s.items.value = [...known, ...e.items.filter((i) => !ids.has(i.id))];
    s.nextCursor.value = e.nextCursor;
  });
}

const defaultOpenSocket: OpenSocket = (url) => new WebSocket(url);
const refreshEveryMs = 2500;

export function createCampaignMonitorStore(api: Api, openSocket: OpenSocket = defaultOpenSocket) {
  const calls = campaignsApi(api);
  const s = {
    campaignId: signal<string | null>(null),
    detail: signal<CampaignDetail | null>(null),
    error: signal<string | null>(null),
    live: createCampaignLiveState(),
    filter: signal<ItemsFilter>(noItemsFilter),
    items: { key: signal(""), items: signal<CampaignItem[]>([]), nextCursor: signal<string | null>(null), loading: signal(false), error: signal<string | null>(null) },
    item: signal<CampaignItemDetail | null>(null),
    itemError: signal<string | null>(null),
    /** An action's problem (pause, resume, cancel, export), shown beside the buttons. */
    actionError: signal<string | null>(null),
    busy: signal<string | null>(null),
  };
  const status = computed(() => currentStatus(s.detail.value, s.live.progress.value));
  const counts = computed(() => currentByStatus(s.detail.value, s.live.progress.value));
  const message = (err: unknown) => formErrors(err).message ?? "request failed";

  async function load(campaignId: string): Promise<CampaignDetail | null> {
    if (s.campaignId.value !== campaignId) {
      batch(() => {
        s.campaignId.value = campaignId;
        s.detail.value = null;
        s.live.campaignId.value = campaignId;
        s.live.progress.value = null;
        s.item.value = null;
      });
    }
    try {
      const detail = await calls.get(campaignId);
      if (s.campaignId.value !== campaignId) return null;
      batch(() => {
        s.detail.value = detail;
        s.error.value = null;
      });
      return detail;
    } catch (err) {
      if (s.campaignId.value === campaignId) s.error.value = message(err);
      return null;
    }
  }

  const itemsKey = (id: string, f: ItemsFilter) => `${id}|${f.status}|${f.outcome}|${f.phone.replace(/\D/g, "")}`;

  async function loadItems(append = false): Promise<void> {
    const id = s.campaignId.value;
    if (!id) return;
    const f = s.filter.value;
    const key = itemsKey(id, f);
    const cursor = append ? s.items.nextCursor.value : null;
    applyItemsEvent(s.items, { type: "loading", key, append });
    try {
      const page = await calls.items(id, f, cursor);
      applyItemsEvent(s.items, { type: "loaded", key, items: page.data, nextCursor: page.nextCursor, append });
    } catch (err) {
      applyItemsEvent(s.items, { type: "failed", key, message: message(err) });
    }
  }

  function setFilter(f: ItemsFilter): void {
    s.filter.value = f;
    void loadItems();
  }

  async function openItem(itemId: string): Promise<void> {
    const id = s.campaignId.value;
    if (!id) return;
    s.itemError.value = null;
    try {
      s.item.value = await calls.item(id, itemId);
    } catch (err) {
      s.itemError.value = message(err);
    }
  }

  // Live frames come up to 4 a second: the summary and the items are read again at most this often.
  let lastRefresh = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;
  function refreshSoon(): void {
    if (refreshTimer) return;
    const wait = Math.max(0, lastRefresh + refreshEveryMs - Date.now());
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      lastRefresh = Date.now();
      const id = s.campaignId.value;
      if (!id) return;
      void load(id);
      // Only the first page is refreshed: a reader further down keeps the rows they are reading.
      if (!s.items.nextCursor.value || s.items.items.value.length <= 50) void loadItems();
    }, wait);
  }

  /** Connects the live view with the detail's events URL; returns the unsubscribe. */
  function watch(): () => void {
    const detail = s.detail.value;
    if (!detail || detail.status === "draft" || isFinished(detail.status)) return () => {};
    const id = detail.id;
    const stop = connectCampaignLive(detail.eventsUrl, {
      state: s.live,
      openSocket,
      freshUrl: async () => {
        const fresh = await load(id);
        if (!fresh) throw new Error("no campaign");
        return fresh.eventsUrl;
      },
      onProgress: () => refreshSoon(),
    });
    return () => {
      stop();
      if (refreshTimer) clearTimeout(refreshTimer);
      refreshTimer = null;
    };
  }

  async function act(label: string, work: () => Promise<unknown>): Promise<void> {
    const id = s.campaignId.value;
    if (!id || s.busy.value) return;
    s.busy.value = label;
    s.actionError.value = null;
    try {
      await work();
      await load(id);
      const p = s.live.progress.value;
      const d = s.detail.value;
      // The runner's next frame says the same; until then the page shows what the API answered.
      if (p && d) applyProgress(s.live, { ...p, status: d.status, updatedAt: d.updatedAt > p.updatedAt ? d.updatedAt : p.updatedAt });
    } catch (err) {
      s.actionError.value = message(err);
    } finally {
      s.busy.value = null;
    }
  }

  const withId = <T>(fn: (id: string) => Promise<T>) => () => fn(s.campaignId.value ?? "");

  return {
    ...s,
    status,
    counts,
    load,
    loadItems,
    setFilter,
    openItem,
    closeItem: () => (s.item.value = null),
    watch,
    pause: () => act("Pausing…", withId(calls.pause)),
    resume: () => act("Resuming…", withId(calls.resume)),
    cancel: (mode: CancelCampaignBody["mode"]) => act("Cancelling…", withId((id) => calls.cancel(id, mode))),
    remove: async () => {
      const id = s.campaignId.value;
      if (id) await calls.remove(id);
    },
    /** The items as CSV, fetched with the auth header (a plain link could not send it). */
    exportCsv: async (): Promise<Blob | null> => {
      const id = s.campaignId.value;
      if (!id) return null;
      s.actionError.value = null;
      try {
        return await calls.exportCsv(id);
      } catch (err) {
        s.actionError.value = message(err);
        return null;
      }
    },
  };
}

export type CampaignMonitorStore = ReturnType<typeof createCampaignMonitorStore>;
