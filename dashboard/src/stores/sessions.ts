// Session history of the open space: filters (agent, status, channel, call direction, caller or
// phone number, date range, post-call analysis status and verdict), cursor
// paging ("Load more", `cursor` = the previous page's nextCursor), and a refresh that keeps live
// rows current by polling: the first page again (new sessions appear, statuses change) plus the
// sessions still live further down. Polling, not the live events socket: the API hands out events
// tokens only at dispatch, so a dashboard user has no socket for sessions they did not start.
import { batch, computed, signal } from "@preact/signals";
import { z } from "zod";
import { Session, SessionChannel, type SessionStatusValue } from "../../../packages/contracts/src/sessions.ts";
import type { CallDirection } from "../../../packages/contracts/src/telephony.ts";
import { AnalysisStatus } from "../../../packages/contracts/src/analysis.ts";
import type { Api, Query } from "../api/client.ts";
import { createSessionDetailStore, type OpenSocket } from "./sessions-detail.ts";

export type SessionStatus = z.infer<typeof SessionStatusValue>;
export type SessionChannel = z.infer<typeof SessionChannel>;

export const sessionStatuses: SessionStatus[] = ["pending", "dispatching", "active", "completed", "failed"];
export const sessionChannels: SessionChannel[] = SessionChannel.options;

/** Statuses whose session may still change: the list and the detail page keep polling them. */
export const isLiveStatus = (status: SessionStatus) => status === "pending" || status === "dispatching" || status === "active";

/** The form's values; empty strings mean "any". Dates are `YYYY-MM-DD` in local time, both inclusive. */
export interface SessionFilters {
  agentId: string;
  status: SessionStatus | "";
  channel: SessionChannel | "";
  /** Calls only: a direction finds phone sessions whatever the channel filter says. */
  direction: CallDirection | "";
  /** A caller id exactly, a phone number in any form, or a number's last digits (the API decides). */
  caller: string;
  from: string;
  to: string;
  /** The post-call analysis's status. */
  analysisStatus: AnalysisStatus | "";
  /** The analysis's verdict: passed ("true") or not ("false"); only completed analyses have one. */
  success: "true" | "false" | "";
}

export const noFilters: SessionFilters = { agentId: "", status: "", channel: "", direction: "", caller: "", from: "", to: "", analysisStatus: "", success: "" };

export const analysisStatuses: AnalysisStatus[] = AnalysisStatus.options;

/** `filters` with one value changed; a channel other than phone drops the direction (only calls have one). */
export function withFilter<K extends keyof SessionFilters>(filters: SessionFilters, key: K, value: SessionFilters[K]): SessionFilters {
  const next = { ...filters, [key]: value };
  if (key === "channel" && next.channel !== "" && next.channel !== "phone") next.direction = "";
  // Only a completed analysis has a verdict: the two filters never contradict each other.
  if (key === "success" && next.success !== "" && next.analysisStatus !== "completed") next.analysisStatus = "";
  if (key === "analysisStatus" && next.analysisStatus !== "" && next.analysisStatus !== "completed") next.success = "";
  return next;
}

/** The direction filter applies to calls: not offered while another channel is chosen. */
export const directionApplies = (filters: SessionFilters) => filters.channel === "" || filters.channel === "phone";

export const sessionsPageSize = 50;
/** At most this many live sessions below the first page are fetched one by one per refresh. */
export const maxLiveRefreshes = 10;

const localDay = (day: string, plusDays = 0): string | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
};

/** The list endpoint's query for `filters`: `to` is exclusive there, so the day after the last one. */
export function filtersQuery(filters: SessionFilters): Query {
  return {
    agentId: filters.agentId || undefined,
    status: filters.status || undefined,
    channel: filters.channel || undefined,
    direction: directionApplies(filters) ? filters.direction || undefined : undefined,
    caller: filters.caller.trim() || undefined,
    from: localDay(filters.from),
    to: localDay(filters.to, 1),
    analysisStatus: filters.analysisStatus || undefined,
    success: filters.success || undefined,
  };
}

const SessionsPage = z.object({ data: z.array(Session), nextCursor: z.string().nullable() });
const AgentNames = z.object({ data: z.array(z.object({ id: z.string(), name: z.string() })) });

export type SessionsListEvent =
  | { type: "loading"; key: string; spaceId: string; filters: SessionFilters }
  | { type: "loadingMore"; key: string }
  | { type: "loaded"; key: string; sessions: Session[]; nextCursor: string | null; append: boolean }
  | { type: "failed"; key: string; message: string }
  | { type: "refreshed"; key: string; head: Session[]; updated: Session[] };

export const listKey = (spaceId: string, filters: SessionFilters) => JSON.stringify([spaceId, filters]);

export function createSessionsListStore(api: Api) {
  const store = {
    key: signal<string | null>(null),
    spaceId: signal<string | null>(null),
    filters: signal<SessionFilters>(noFilters),
    sessions: signal<Session[]>([]),
    nextCursor: signal<string | null>(null),
    loading: signal(false),
    loadingMore: signal(false),
    error: signal<string | null>(null),
  };
  const agentNames = signal<Record<string, string>>({});
  const hasLive = computed(() => store.sessions.value.some((s) => isLiveStatus(s.status)));

  const page = (spaceId: string, filters: SessionFilters, cursor?: string) =>
    api.json(SessionsPage, "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/sessions`, { query: { ...filtersQuery(filters), limit: sessionsPageSize, cursor } });

  async function guarded(key: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      applySessionsListEvent(store, { type: "failed", key, message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /** The first page for these filters (the list is kept when nothing changed, e.g. back from a detail page). */
  async function load(spaceId: string, filters: SessionFilters = store.filters.value): Promise<void> {
    const key = listKey(spaceId, filters);
    applySessionsListEvent(store, { type: "loading", key, spaceId, filters });
    await guarded(key, async () => {
      const { data, nextCursor } = await page(spaceId, filters);
      applySessionsListEvent(store, { type: "loaded", key, sessions: data, nextCursor, append: false });
    });
  }

  async function loadMore(): Promise<void> {
    const key = store.key.value;
    const spaceId = store.spaceId.value;
    const cursor = store.nextCursor.value;
    if (!key || !spaceId || !cursor || store.loadingMore.value) return;
    const filters = store.filters.value;
    applySessionsListEvent(store, { type: "loadingMore", key });
    await guarded(key, async () => {
      const { data, nextCursor } = await page(spaceId, filters, cursor);
      applySessionsListEvent(store, { type: "loaded", key, sessions: data, nextCursor, append: true });
    });
  }

  /** One poll: the first page again, and the live sessions not on it, one by one (capped). */
  async function refresh(): Promise<void> {
    const key = store.key.value;
    const spaceId = store.spaceId.value;
    if (!key || !spaceId || store.loading.value) return;
    const filters = store.filters.value;
    const { data: head } = await page(spaceId, filters);
    const onHead = new Set(head.map((s) => s.id));
    const stale = store.sessions.value.filter((s) => isLiveStatus(s.status) && !onHead.has(s.id)).slice(0, maxLiveRefreshes);
    // SessionDetail extends Session: parsing with Session keeps only the row's fields.
    const updated = await Promise.all(stale.map((s) => api.json(Session, "GET", `/v1/sessions/${encodeURIComponent(s.id)}`)));
    applySessionsListEvent(store, { type: "refreshed", key, head, updated });
  }

  /** Agent names for the filter and the rows (sessions carry only the agent id). */
  async function loadAgentNames(spaceId: string): Promise<void> {
    const { data } = await api.json(AgentNames, "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/agents`, { query: { limit: 200 } });
    agentNames.value = Object.fromEntries(data.map((a) => [a.id, a.name]));
  }

  return { ...store, agentNames, hasLive, load, loadMore, refresh, loadAgentNames };
}

export type SessionsListStore = ReturnType<typeof createSessionsListStore>;
type ListState = Pick<SessionsListStore, "key" | "spaceId" | "filters" | "sessions" | "nextCursor" | "loading" | "loadingMore" | "error">;

/** Newest first, as the API orders them (ids are time-ordered strings). */
const byIdDesc = (a: Session, b: Session) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function applySessionsListEvent(store: ListState, event: SessionsListEvent): void {
  batch(() => {
    if (event.type === "loading") {
      if (store.key.value !== event.key) {
        store.sessions.value = [];
        store.nextCursor.value = null;
      }
      store.key.value = event.key;
      store.spaceId.value = event.spaceId;
      store.filters.value = event.filters;
      store.loading.value = true;
      store.loadingMore.value = false;
      store.error.value = null;
      return;
    }
    // Answers for other filters or another space arrive late when the filters change fast: drop them.
    if (store.key.value !== event.key) return;
    switch (event.type) {
      case "loadingMore":
        store.loadingMore.value = true;
        store.error.value = null;
        break;
      case "loaded": {
        if (event.append) {
          const known = new Set(store.sessions.value.map((s) => s.id));
          store.sessions.value = [...store.sessions.value, ...event.sessions.filter((s) => !known.has(s.id))];
          store.loadingMore.value = false;
        } else {
          store.sessions.value = event.sessions;
          store.loading.value = false;
        }
        store.nextCursor.value = event.nextCursor;
        break;
      }
      case "failed":
        store.loading.value = false;
        store.loadingMore.value = false;
        store.error.value = event.message;
        break;
      case "refreshed": {
        const current = store.sessions.value;
        const byId = new Map(current.map((s) => [s.id, s]));
        for (const s of [...event.head, ...event.updated]) byId.set(s.id, s);
        // New rows belong to the loaded range only if they are newer than its oldest row (or all is loaded).
        const oldest = current.at(-1)?.id;
        const complete = store.nextCursor.value === null;
        const known = new Set(current.map((s) => s.id));
        store.sessions.value = [...byId.values()].filter((s) => known.has(s.id) || complete || (oldest !== undefined && s.id > oldest)).sort(byIdDesc);
        break;
      }
    }
  });
}

/** The sessions stores: the list and the detail page's (one object, so the shell adds one line). */
export function createSessionsStores(api: Api, deps: { openSocket?: OpenSocket } = {}) {
  return { list: createSessionsListStore(api), detail: createSessionDetailStore(api, deps.openSocket) };
}

export type SessionsStores = ReturnType<typeof createSessionsStores>;
