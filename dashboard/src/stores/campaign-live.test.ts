// A campaign's live progress and its page's data without a DOM: progress frames applied in order
// (older, foreign and unknown frames change nothing, a finished campaign stays finished), the socket
// reconnecting with a fresh URL from the detail and stopping once the campaign is over, the items
// table's pages (a slow reply for another filter is dropped), the list's progress bar and query.
import { describe, expect, it } from "vitest";
import { createApi } from "../api/client.ts";
import { FakeSocket, fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { campaignFixture, detailFixture, emptyByStatus, progressFixture } from "./campaign-fixtures.ts";
import { applyProgress, connectCampaignLive, createCampaignLiveState, formatEta, parseCampaignFrame } from "./campaign-live.ts";
import { applyItemsEvent, createCampaignMonitorStore, currentStatus } from "./campaign-monitor.ts";
import { applyCampaignsListEvent, contactsContentType, createCampaignsListStore, donePercent, itemsQuery, noItemsFilter, progressSegments } from "./campaigns.ts";
import type { CampaignItem } from "../../../packages/contracts/src/campaigns.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { signal } from "@preact/signals";

const campaignId = newId("campaign");
const later = (s: number) => new Date(Date.parse("2026-12-04T10:00:00.000Z") + s * 1000).toISOString();


const tick = () => new Promise((r) => setTimeout(r, 0));

describe("live progress", () => {
  it("applies newer frames, ignores older ones and another campaign's", () => {
    const state = createCampaignLiveState();
    expect(applyProgress(state, progressFixture(campaignId, { updatedAt: later(10) }))).toBe(true);
    expect(applyProgress(state, progressFixture(campaignId, { updatedAt: later(5), dialsPerMinute: 99 }))).toBe(false);
    expect(state.progress.value?.dialsPerMinute).toBe(1);
    expect(applyProgress(state, progressFixture(newId("campaign"), { updatedAt: later(20) }))).toBe(false);
    expect(applyProgress(state, progressFixture(campaignId, { updatedAt: later(10), waiting: "outside the calling hours" }))).toBe(true);
    expect(state.progress.value?.waiting).toBe("outside the calling hours");
  });

  it("keeps a finished campaign finished when a late frame says it runs", () => {
    const state = createCampaignLiveState();
    applyProgress(state, progressFixture(campaignId, { status: "cancelled", updatedAt: later(10) }));
    expect(applyProgress(state, progressFixture(campaignId, { status: "running", updatedAt: later(11) }))).toBe(false);
    expect(state.progress.value?.status).toBe("cancelled");
  });

  it("parses only frames of this protocol", () => {
    expect(parseCampaignFrame(JSON.stringify({ type: "progress", progress: progressFixture(campaignId) }))?.type).toBe("progress");
    expect(parseCampaignFrame(JSON.stringify({ type: "welcome", protocolVersion: 2, progress: progressFixture(campaignId) }))).toBeNull();
    expect(parseCampaignFrame("{not json")).toBeNull();
    expect(parseCampaignFrame(JSON.stringify({ type: "progress", progress: { campaignId } }))).toBeNull();
  });

  it("formats the ETA", () => {
    expect(formatEta(null)).toBe("—");
    expect(formatEta(30)).toBe("< 1 min");
    expect(formatEta(600)).toBe("10 min");
    expect(formatEta(5400)).toBe("1 h 30 min");
    expect(formatEta(3 * 86_400)).toBe("3 d 0 h");
  });
});

describe("the live socket", () => {
  it("shows the welcome's progress, reconnects with a fresh URL after a close, and stops when the campaign is over", async () => {
    const state = createCampaignLiveState();
    const sockets: FakeSocket[] = [];
    let fresh = 0;
    const seen: string[] = [];
    const stop = connectCampaignLive("ws://x/live?token=1", {
      state,
      openSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      freshUrl: async () => `ws://x/live?token=${++fresh + 1}`,
      onProgress: (p) => seen.push(p.status),
      backoffMs: () => 0,
    });
    sockets[0]?.open();
    expect(state.connected.value).toBe(true);
    sockets[0]?.receive({ type: "welcome", protocolVersion: 1, progress: progressFixture(campaignId) });
    expect(state.progress.value?.total).toBe(4);
    sockets[0]?.close();
    expect(state.connected.value).toBe(false);
    await tick();
    await tick();
    expect(sockets).toHaveLength(2);
    expect(sockets[1]?.url).toBe("ws://x/live?token=2");
    sockets[1]?.open();
    sockets[1]?.receive({ type: "progress", progress: progressFixture(campaignId, { status: "completed", updatedAt: later(60) }) });
    sockets[1]?.close();
    await tick();
    await tick();
    expect(sockets).toHaveLength(2); // over: no reconnect
    expect(seen).toEqual(["running", "completed"]);
    stop();
  });

  it("gives up after the reconnects run out and says so", async () => {
    const state = createCampaignLiveState();
    const sockets: FakeSocket[] = [];
    connectCampaignLive("ws://x/1", {
      state,
      openSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      freshUrl: async () => "ws://x/again",
      backoffMs: () => 0,
      maxReconnects: 2,
    });
    for (let i = 0; i < 3; i++) {
      sockets[i]?.close();
      await tick();
      await tick();
    }
    expect(sockets).toHaveLength(3);
    expect(state.lost.value).toMatch(/lost/);
  });
});

describe("the monitor page's data", () => {
  const item = (over: Partial<CampaignItem> = {}): CampaignItem => ({
    id: newId("campaignItem"), rowNumber: 1, phone: "+15555550101", variables: {}, timeZone: null, status: "pending", attempts: 0, nextAttemptAt: null, lastOutcome: null, lastError: null, lastSessionId: null, lastAnalysis: null, updatedAt: later(0), ...over,
  });
  const itemsState = () => ({ key: signal(""), items: signal<CampaignItem[]>([]), nextCursor: signal<string | null>(null), loading: signal(false), error: signal<string | null>(null) });

  it("appends the next page without repeating rows and drops a slow reply for another filter", () => {
    const s = itemsState();
    const a = item();
    const b = item({ rowNumber: 2 });
    applyItemsEvent(s, { type: "loading", key: "all", append: false });
    applyItemsEvent(s, { type: "loaded", key: "all", items: [a], nextCursor: "c1", append: false });
    applyItemsEvent(s, { type: "loading", key: "all", append: true });
    applyItemsEvent(s, { type: "loaded", key: "all", items: [a, b], nextCursor: null, append: true });
    expect(s.items.value.map((i) => i.rowNumber)).toEqual([1, 2]);
    applyItemsEvent(s, { type: "loading", key: "failed", append: false });
    expect(s.items.value).toEqual([]);
    applyItemsEvent(s, { type: "loaded", key: "all", items: [a], nextCursor: null, append: false });
    expect(s.items.value).toEqual([]);
    expect(s.loading.value).toBe(true);
  });

  it("shows the live status once it is as recent as the detail, but never un-finishes", () => {
    const d = { status: "running" as const, updatedAt: later(10) };
    expect(currentStatus(d, null)).toBe("running");
    expect(currentStatus(d, { status: "paused", updatedAt: later(5) })).toBe("running");
    expect(currentStatus(d, { status: "paused", updatedAt: later(11) })).toBe("paused");
    expect(currentStatus({ status: "cancelled", updatedAt: later(10) }, { status: "running", updatedAt: later(20) })).toBe("cancelled");
  });

  it("pauses through the API and shows the answer before the next frame", async () => {
    const c = campaignFixture({ id: campaignId, status: "running", itemCount: 4, launchedAt: later(0) });
    let status: "running" | "paused" = "running";
    const { fetch, api } = apiWithFetch((req) => {
      if (req.method === "POST" && req.url.endsWith("/pause")) {
        status = "paused";
        return json({ ...c, status, updatedAt: later(30) });
      }
      return json(detailFixture({ ...c, status, updatedAt: status === "paused" ? later(30) : later(0) }));
    });
    const m = createCampaignMonitorStore(api, () => new FakeSocket("x"));
    await m.load(campaignId);
    applyProgress(m.live, progressFixture(campaignId, { updatedAt: later(20) }));
    await m.pause();
    expect(fetch.requests.map((r) => `${r.method} ${r.url}`)).toContain(`POST /v1/campaigns/${campaignId}/pause`);
    expect(m.status.value).toBe("paused");
    expect(m.actionError.value).toBeNull();
  });

  it("cancels with the mode chosen, and shows a refusal beside the buttons", async () => {
    const c = campaignFixture({ id: campaignId, status: "running", itemCount: 4, launchedAt: later(0) });
    const { fetch, api } = apiWithFetch((req) => {
      if (req.url.endsWith("/cancel")) return problem("conflict", 409, "the campaign is completed: it cannot be cancelled");
      return json(detailFixture(c));
    });
    const m = createCampaignMonitorStore(api, () => new FakeSocket("x"));
    await m.load(campaignId);
    await m.cancel("end_calls");
    const cancel = fetch.requests.find((r) => r.url.endsWith("/cancel"));
    expect(JSON.parse(cancel?.body ?? "")).toEqual({ mode: "end_calls" });
    expect(m.actionError.value).toBe("the campaign is completed: it cannot be cancelled");
    expect(m.busy.value).toBeNull();
  });
});

function apiWithFetch(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

describe("campaign list", () => {
  it("splits the progress bar by item status, finished statuses first", () => {
    const byStatus = { ...emptyByStatus, completed: 2, failed: 1, pending: 1 };
    expect(progressSegments(byStatus, 4).map((s) => [s.status, s.percent])).toEqual([
      ["completed", 50],
      ["failed", 25],
      ["pending", 25],
    ]);
    expect(progressSegments(emptyByStatus, 0)).toEqual([]);
    expect(donePercent(byStatus, 4)).toBe(75);
  });

  it("sends only the filters set, and a phone search from 3 digits", () => {
    expect(itemsQuery(noItemsFilter, null)).toEqual({ status: undefined, outcome: undefined, phone: undefined, cursor: undefined, limit: 50 });
    expect(itemsQuery({ status: "failed", outcome: "busy", phone: "+1 5" }, "c2")).toMatchObject({ status: "failed", outcome: "busy", phone: undefined, cursor: "c2" });
    expect(itemsQuery({ ...noItemsFilter, phone: "+1 (555) 0101" }, null).phone).toBe("15550101");
  });

  it("picks the content type by extension first", () => {
    expect(contactsContentType("list.CSV", "")).toBe("text/csv");
    expect(contactsContentType("list.json", "")).toBe("application/json");
    expect(contactsContentType("export", "application/vnd.ms-excel")).toBe("text/csv");
    expect(contactsContentType("photo.png", "image/png")).toBeNull();
  });

  it("lists a space's campaigns newest first and never shows another space's", async () => {
    const spaceA = newId("space");
    const old = campaignFixture({ createdAt: later(0) });
    const fresh = campaignFixture({ createdAt: later(60), status: "running" });
    const { api } = apiWithFetch(() => json({ data: [old, fresh] }));
    const store = createCampaignsListStore(api);
    await store.load(spaceA);
    expect(store.campaigns.value.map((c) => c.id)).toEqual([fresh.id, old.id]);
    applyCampaignsListEvent(store, { type: "loading", spaceId: newId("space") });
    expect(store.campaigns.value).toEqual([]);
    applyCampaignsListEvent(store, { type: "loaded", spaceId: spaceA, campaigns: [old] });
    expect(store.campaigns.value).toEqual([]);
  });
});
