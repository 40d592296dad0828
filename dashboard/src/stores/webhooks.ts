// A space's webhooks both ways: its endpoints (create, edit, enable/disable, rotate, delete, a
// test event) and its inbound routes (create, edit, pause/resume, delete, preview a mapping). Every member
// loads both; Owners change them (the API refuses Members). A signing or route secret is answered
// only by create / rotate: it is held in `revealed` until dismissed and never kept in a list.
// The page's state changes through the pure `applyWebhooksEvent`, tested without a DOM.
import { batch, signal } from "@preact/signals";
import type { z } from "zod";
import { WebhookDelivery, WebhookEndpoint, WebhookEndpointList, WebhookEndpointWithSecret, type WebhookEndpointCreate, type WebhookEndpointUpdate } from "../../../packages/contracts/src/webhooks.ts";
import { InboundMappingPreview, InboundRoute, InboundRouteList, InboundRouteWithSecret, type InboundMappingPreviewRequest, type InboundRouteCreate, type InboundRouteUpdate } from "../../../packages/contracts/src/webhooks-inbound.ts";
import type { Api } from "../api/client.ts";
import { shownProblem, type ShownProblem } from "./billing.ts";

/** A secret shown once: whose it is, and the secret itself. */
export interface RevealedSecret {
  kind: "endpoint" | "route";
  id: string;
  /** What the secret belongs to, in words (the endpoint's URL, the route's name). */
  label: string;
  secret: string;
  /** created or rotated: the page words the notice accordingly. */
  reason: "created" | "rotated";
}

export type WebhooksEvent =
  | { type: "loading"; spaceId: string }
  | { type: "endpoints"; spaceId: string; endpoints: WebhookEndpoint[] }
  | { type: "routes"; spaceId: string; routes: InboundRoute[] }
  | { type: "failed"; spaceId: string; what: "endpoints" | "routes"; problem: ShownProblem }
  | { type: "endpointSaved"; endpoint: WebhookEndpoint; secret?: string; reason?: RevealedSecret["reason"] }
  | { type: "endpointDeleted"; endpointId: string }
  | { type: "routeSaved"; route: InboundRoute; secret?: string }
  | { type: "routeDeleted"; routeId: string }
  | { type: "dismissed" };

const spacePath = (spaceId: string) => `/v1/spaces/${encodeURIComponent(spaceId)}/webhooks`;

/** The webhooks API calls, each checked with the contract's schema (throws ApiProblem or ZodError). */
export function webhooksApi(api: Api) {
  const endpoint = (spaceId: string, id: string) => `${spacePath(spaceId)}/endpoints/${encodeURIComponent(id)}`;
  const route = (spaceId: string, id: string) => `${spacePath(spaceId)}/routes/${encodeURIComponent(id)}`;
  return {
    endpoints: async (spaceId: string) => (await api.json(WebhookEndpointList, "GET", `${spacePath(spaceId)}/endpoints`)).data,
    createEndpoint: (spaceId: string, body: z.input<typeof WebhookEndpointCreate>) => api.json(WebhookEndpointWithSecret, "POST", `${spacePath(spaceId)}/endpoints`, { body }),
    updateEndpoint: (spaceId: string, id: string, body: WebhookEndpointUpdate) => api.json(WebhookEndpoint, "PATCH", endpoint(spaceId, id), { body }),
    deleteEndpoint: (spaceId: string, id: string) => api.empty("DELETE", endpoint(spaceId, id)),
    rotateSecret: (spaceId: string, id: string, overlapHours: number) => api.json(WebhookEndpointWithSecret, "POST", `${endpoint(spaceId, id)}/rotate-secret`, { body: { overlapHours } }),
    sendTest: (spaceId: string, id: string) => api.json(WebhookDelivery, "POST", `${endpoint(spaceId, id)}/test`),
    routes: async (spaceId: string) => (await api.json(InboundRouteList, "GET", `${spacePath(spaceId)}/routes`)).data,
    createRoute: (spaceId: string, body: z.input<typeof InboundRouteCreate>) => api.json(InboundRouteWithSecret, "POST", `${spacePath(spaceId)}/routes`, { body }),
    updateRoute: (spaceId: string, id: string, body: z.input<typeof InboundRouteUpdate>) => api.json(InboundRoute, "PATCH", route(spaceId, id), { body }),
    deleteRoute: (spaceId: string, id: string) => api.empty("DELETE", route(spaceId, id)),
    preview: (spaceId: string, body: z.input<typeof InboundMappingPreviewRequest>) => api.json(InboundMappingPreview, "POST", `${spacePath(spaceId)}/routes/preview`, { body }),
  };
}

export type WebhooksApi = ReturnType<typeof webhooksApi>;

/** The endpoint or route part of a "with secret" answer: lists never hold a secret. */
function withoutSecret<T extends { secret: string }>(value: T): Omit<T, "secret"> {
  const { secret: _secret, ...rest } = value;
  return rest;
}

export function createWebhooksStore(api: Api) {
  const calls = webhooksApi(api);
  const store = {
    spaceId: signal<string | null>(null),
    endpoints: signal<WebhookEndpoint[]>([]),
    routes: signal<InboundRoute[]>([]),
    loading: signal(false),
    endpointsProblem: signal<ShownProblem | null>(null),
    routesProblem: signal<ShownProblem | null>(null),
    revealed: signal<RevealedSecret | null>(null),
  };
  const open = () => {
    const spaceId = store.spaceId.value;
    if (!spaceId) throw new Error("no space is open");
    return spaceId;
  };

  async function load(spaceId: string): Promise<void> {
    applyWebhooksEvent(store, { type: "loading", spaceId });
    await Promise.all([
      calls.endpoints(spaceId).then(
        (endpoints) => applyWebhooksEvent(store, { type: "endpoints", spaceId, endpoints }),
        (err: unknown) => applyWebhooksEvent(store, { type: "failed", spaceId, what: "endpoints", problem: shownProblem(err) }),
      ),
      calls.routes(spaceId).then(
        (routes) => applyWebhooksEvent(store, { type: "routes", spaceId, routes }),
        (err: unknown) => applyWebhooksEvent(store, { type: "failed", spaceId, what: "routes", problem: shownProblem(err) }),
      ),
    ]);
  }

  async function createEndpoint(body: z.input<typeof WebhookEndpointCreate>): Promise<WebhookEndpoint> {
    const created = await calls.createEndpoint(open(), body);
    applyWebhooksEvent(store, { type: "endpointSaved", endpoint: withoutSecret(created), secret: created.secret, reason: "created" });
    return withoutSecret(created);
  }
  async function updateEndpoint(id: string, body: WebhookEndpointUpdate): Promise<void> {
    applyWebhooksEvent(store, { type: "endpointSaved", endpoint: await calls.updateEndpoint(open(), id, body) });
  }
  async function rotateSecret(id: string, overlapHours: number): Promise<void> {
    const rotated = await calls.rotateSecret(open(), id, overlapHours);
    applyWebhooksEvent(store, { type: "endpointSaved", endpoint: withoutSecret(rotated), secret: rotated.secret, reason: "rotated" });
  }
  async function deleteEndpoint(id: string): Promise<void> {
    await calls.deleteEndpoint(open(), id);
    applyWebhooksEvent(store, { type: "endpointDeleted", endpointId: id });
  }
  async function createRoute(body: z.input<typeof InboundRouteCreate>): Promise<InboundRoute> {
    const created = await calls.createRoute(open(), body);
    applyWebhooksEvent(store, { type: "routeSaved", route: withoutSecret(created), secret: created.secret });
    return withoutSecret(created);
  }
  async function updateRoute(id: string, body: z.input<typeof InboundRouteUpdate>): Promise<void> {
    applyWebhooksEvent(store, { type: "routeSaved", route: await calls.updateRoute(open(), id, body) });
  }
  async function deleteRoute(id: string): Promise<void> {
    await calls.deleteRoute(open(), id);
    applyWebhooksEvent(store, { type: "routeDeleted", routeId: id });
  }

  return {
    ...store,
    api: calls,
    load,
    createEndpoint,
    updateEndpoint,
    rotateSecret,
    deleteEndpoint,
    sendTest: (id: string) => calls.sendTest(open(), id),
    createRoute,
    updateRoute,
    deleteRoute,
    preview: (body: z.input<typeof InboundMappingPreviewRequest>) => calls.preview(open(), body),
    dismiss: () => applyWebhooksEvent(store, { type: "dismissed" }),
  };
}

export type WebhooksStore = ReturnType<typeof createWebhooksStore>;
type WebhooksState = Pick<WebhooksStore, "spaceId" | "endpoints" | "routes" | "loading" | "endpointsProblem" | "routesProblem" | "revealed">;

/** `item` in place of the one with its id, or first when it is new (lists are newest first). */
function upsert<T extends { id: string }>(list: T[], item: T): T[] {
  return list.some((x) => x.id === item.id) ? list.map((x) => (x.id === item.id ? item : x)) : [item, ...list];
}

export function applyWebhooksEvent(store: WebhooksState, event: WebhooksEvent): void {
  // An answer for a space since left is dropped.
  if ((event.type === "endpoints" || event.type === "routes" || event.type === "failed") && store.spaceId.value !== event.spaceId) return;
  batch(() => {
    switch (event.type) {
      case "loading":
        if (store.spaceId.value !== event.spaceId) {
          store.endpoints.value = [];
          store.routes.value = [];
          store.revealed.value = null; // never show one space's secret under another
        }
        store.spaceId.value = event.spaceId;
        store.loading.value = true;
        store.endpointsProblem.value = null;
        store.routesProblem.value = null;
        return;
      case "endpoints":
        store.endpoints.value = event.endpoints;
        store.loading.value = false;
        return;
      case "routes":
        store.routes.value = event.routes;
        store.loading.value = false;
        return;
      case "failed":
        (event.what === "endpoints" ? store.endpointsProblem : store.routesProblem).value = event.problem;
        store.loading.value = false;
        return;
      case "endpointSaved":
        store.endpoints.value = upsert(store.endpoints.value, event.endpoint);
        if (event.secret) store.revealed.value = { kind: "endpoint", id: event.endpoint.id, label: event.endpoint.url, secret: event.secret, reason: event.reason ?? "created" };
        return;
      case "endpointDeleted":
        store.endpoints.value = store.endpoints.value.filter((e) => e.id !== event.endpointId);
        if (store.revealed.value?.id === event.endpointId) store.revealed.value = null;
        return;
      case "routeSaved":
        store.routes.value = upsert(store.routes.value, event.route);
        if (event.secret) store.revealed.value = { kind: "route", id: event.route.id, label: event.route.name, secret: event.secret, reason: "created" };
        return;
      case "routeDeleted":
        store.routes.value = store.routes.value.filter((r) => r.id !== event.routeId);
        if (store.revealed.value?.id === event.routeId) store.revealed.value = null;
        return;
      case "dismissed":
        store.revealed.value = null;
        return;
    }
  });
}
