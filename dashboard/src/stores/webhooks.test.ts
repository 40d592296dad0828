// The Webhooks page's stores without a DOM: a created endpoint's secret is held once, apart from
// the list, and goes with another space; deliveries and the inbound log page with their filters,
// drop answers for filters since changed, and a replayed delivery changes in place; the words of
// states and badges; the route, the nav rule and the Owner's permission.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { WebhookDelivery, WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";
import { createApi } from "../api/client.ts";
import { matchRoute, spacePath } from "../router.ts";
import { fakeFetch, json, type Recorded } from "../test-support.ts";
import { pageAfterSwitch, permissionsFor } from "./permissions.ts";
import { applyWebhooksEvent, createWebhooksStore } from "./webhooks.ts";
import { applyPageEvent, createDeliveriesStore, createInboundLogStore, filterQuery, noDeliveryFilters, pageKey } from "./webhooks-lists.ts";
import { testEndpoint, testNow } from "./webhooks-testing.ts";
import { attemptResult, deliveryBadge, endpointBadge, formatLatency, headerPairs, lastStatus, prettyBody, secretHintText } from "./webhooks-view.ts";
import { signal } from "@preact/signals";

const spaceId = newId("space");
const now = testNow;

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

const endpoint = (over: Partial<WebhookEndpoint> = {}) => testEndpoint(spaceId, over);

function delivery(over: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: newId("webhookDelivery"),
    spaceId,
    endpointId: newId("webhookEndpoint"),
    eventId: newId("domainEvent"),
    eventType: "webhook.test",
    status: "failed",
    attempts: 12,
    nextAttemptAt: null,
    lastStatusCode: 503,
    lastError: null,
    createdAt: now,
    completedAt: now,
    ...over,
  };
}

describe("webhooks store", () => {
  it("holds a created endpoint's secret once, keeps it out of the list, and forgets it in another space", async () => {
    const created = { ...endpoint(), secret: "whsec_c2VjcmV0" };
    const { api, fetch } = apiWith((req) => (req.method === "POST" ? json(created, 201) : json({ data: [] })));
    const store = createWebhooksStore(api);
    await store.load(spaceId);
    await store.createEndpoint({ url: created.url, eventTypes: [] });
    expect(fetch.requests.map((r) => `${r.method} ${r.url}`)).toContain(`POST /v1/spaces/${spaceId}/webhooks/endpoints`);
    expect(store.revealed.value).toMatchObject({ kind: "endpoint", id: created.id, secret: "whsec_c2VjcmV0", reason: "created" });
    expect(store.endpoints.value).toHaveLength(1);
    expect("secret" in (store.endpoints.value[0] ?? {})).toBe(false);
    await store.load(newId("space"));
    expect([store.revealed.value, store.endpoints.value]).toEqual([null, []]);
  });

  it("shows a rotated secret as new, updates the endpoint in place, and drops the secret when the endpoint is deleted", () => {
    const e = endpoint();
    const store = { spaceId: signal<string | null>(spaceId), endpoints: signal([e]), routes: signal([]), loading: signal(false), endpointsProblem: signal(null), routesProblem: signal(null), revealed: signal(null) };
    const rotated = { ...e, secretHint: "wxyz", previousSecretExpiresAt: now };
    applyWebhooksEvent(store, { type: "endpointSaved", endpoint: rotated, secret: "whsec_new", reason: "rotated" });
    expect(store.endpoints.value).toEqual([rotated]);
    expect(store.revealed.value).toMatchObject({ reason: "rotated", secret: "whsec_new" });
    applyWebhooksEvent(store, { type: "endpointDeleted", endpointId: e.id });
    expect([store.endpoints.value, store.revealed.value]).toEqual([[], null]);
  });

  it("ignores a list answered for a space since left", () => {
    const store = { spaceId: signal<string | null>(spaceId), endpoints: signal<WebhookEndpoint[]>([]), routes: signal([]), loading: signal(true), endpointsProblem: signal(null), routesProblem: signal(null), revealed: signal(null) };
    applyWebhooksEvent(store, { type: "endpoints", spaceId: newId("space"), endpoints: [endpoint()] });
    expect(store.endpoints.value).toEqual([]);
  });
});

describe("deliveries and the inbound log", () => {
  it("sends only the filters that are set, and the cursor of the next page", () => {
    expect(filterQuery(noDeliveryFilters, null)).toEqual({ limit: 50 });
    expect(filterQuery({ endpointId: "whe_1", eventType: "", status: "failed" }, "c2")).toEqual({ limit: 50, endpointId: "whe_1", status: "failed", cursor: "c2" });
  });

  it("appends the next page without repeats and drops an answer for filters since changed", () => {
    const state = { key: signal<string | null>(null), filters: signal(noDeliveryFilters), rows: signal<WebhookDelivery[]>([]), nextCursor: signal<string | null>(null), loading: signal(false), error: signal<string | null>(null) };
    const [a, b, c] = [delivery(), delivery(), delivery()];
    const all = pageKey(spaceId, noDeliveryFilters);
    applyPageEvent(state, { type: "loading", key: all, filters: noDeliveryFilters, more: false });
    applyPageEvent(state, { type: "page", key: all, rows: [a!, b!], nextCursor: "n", more: false });
    applyPageEvent(state, { type: "page", key: all, rows: [b!, c!], nextCursor: null, more: true });
    expect(state.rows.value.map((r) => r.id)).toEqual([a!.id, b!.id, c!.id]);
    const failed = { ...noDeliveryFilters, status: "failed" as const };
    applyPageEvent(state, { type: "loading", key: pageKey(spaceId, failed), filters: failed, more: false });
    applyPageEvent(state, { type: "page", key: all, rows: [a!], nextCursor: null, more: false });
    expect([state.rows.value, state.loading.value]).toEqual([[], true]);
  });

  it("replays a delivery: its row turns pending in place, and a bulk replay answers how many", async () => {
    const d = delivery();
    const { api, fetch } = apiWith((req) => {
      if (req.url.endsWith(`/deliveries/${d.id}/replay`)) return json({ ...d, status: "pending", completedAt: null }, 202);
      if (req.url.endsWith("/deliveries/replay")) return json({ replayed: 3 }, 202);
      return json({ data: [d], nextCursor: null });
    });
    const store = createDeliveriesStore(api);
    await store.load(spaceId, noDeliveryFilters);
    await store.replay(spaceId, d.id);
    expect(store.rows.value.map((r) => r.status)).toEqual(["pending"]);
    expect(await store.replayFailed(spaceId, now, d.endpointId)).toBe(3);
    expect(JSON.parse(fetch.requests.at(-1)?.body ?? "null")).toEqual({ since: now, endpointId: d.endpointId });
  });

  it("asks the inbound log with its filters and expands rows one by one", async () => {
    const { api, fetch } = apiWith(() => json({ data: [], nextCursor: null }));
    const log = createInboundLogStore(api);
    await log.load(spaceId, { provider: "route", outcome: "refused", routeId: "" });
    expect(fetch.requests[0]?.url).toBe(`/v1/spaces/${spaceId}/webhooks/inbound-log?limit=50&provider=route&outcome=refused`);
    log.toggle("iwh_1");
    log.toggle("iwh_2");
    log.toggle("iwh_1");
    expect([...log.expanded.value]).toEqual(["iwh_2"]);
  });
});

describe("webhooks in words", () => {
  const day = (iso: string) => iso.slice(0, 10);
  it("says why an endpoint is disabled, and since when it fails", () => {
    expect(endpointBadge(endpoint({ enabled: false, disabledReason: "gone" }), day)).toMatchObject({ label: "Disabled · 410 Gone", tone: "danger" });
    expect(endpointBadge(endpoint({ enabled: false, disabledReason: "failing" }), day).detail).toBe("Disabled: deliveries failed for 5 days");
    expect(endpointBadge(endpoint({ failingSince: now }), day)).toMatchObject({ label: "Failing", tone: "warn", detail: expect.stringContaining("2026-03-01") });
    expect(endpointBadge(endpoint(), day)).toMatchObject({ label: "Enabled", tone: "ok" });
  });

  it("tells a retrying delivery from a first pending one, and words the last answer", () => {
    expect(deliveryBadge(delivery({ status: "pending", attempts: 2, nextAttemptAt: now }), day)).toMatchObject({ label: "Retrying", detail: "next attempt 2026-03-01" });
    expect(deliveryBadge(delivery({ status: "pending", attempts: 0 }), day).label).toBe("Pending");
    expect(lastStatus(delivery({ attempts: 0 }))).toBe("—");
    expect(lastStatus(delivery({ lastStatusCode: null, lastError: "timed out" }))).toBe("timed out");
    expect(attemptResult({ responseStatus: null, error: "blocked destination: loopback" })).toBe("no answer · blocked destination: loopback");
  });

  it("formats latencies, headers and bodies for reading", () => {
    expect([formatLatency(42), formatLatency(1500), formatLatency(15_000), formatLatency(null)]).toEqual(["42 ms", "1.50 s", "15.0 s", "—"]);
    expect(headerPairs({ "Webhook-Id": "evt_1", "content-type": "application/json" })).toEqual([
      ["content-type", "application/json"],
      ["webhook-id", "evt_1"],
    ]);
    expect(prettyBody('{"ok":true}')).toBe('{\n  "ok": true\n}');
    expect(prettyBody("plain text")).toBe("plain text");
    expect([secretHintText("…abcd", "whsec_"), secretHintText("abcd")]).toEqual(["whsec_…abcd", "…abcd"]);
  });

  it("has a route for the page, keeps it on a space switch, and lets Owners only manage", () => {
    expect(matchRoute(spacePath(spaceId, "webhooks"), "")).toEqual({ name: "webhooks", spaceId });
    expect(pageAfterSwitch("webhooks", "member")).toBe("webhooks");
    expect([permissionsFor("owner").manageWebhooks, permissionsFor("member").manageWebhooks]).toEqual([true, false]);
  });
});
