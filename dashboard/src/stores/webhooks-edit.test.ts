// Editing endpoints and routes without a DOM: the form opens with what is saved (header names
// without their values), a save sends only what changed, saved headers stay unless values are
// typed (which replace them all) or they are removed (null), a move to another origin with the
// headers kept is refused by the headers in plain words before and after the API's own refusal,
// and a route's mapping, verification, secret and pause reach the PATCH only when changed.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";
import type { InboundRoute } from "../../../packages/contracts/src/webhooks-inbound.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, problem } from "../test-support.ts";
import { formErrors } from "../ui/forms.ts";
import { createWebhooksStore } from "./webhooks.ts";
import { endpointFormOf, endpointPatch, endpointSaveErrors, headerIntentWords, routeFormOf, routePatch } from "./webhooks-edit.ts";
import type { EndpointForm } from "./webhooks-forms.ts";
import { testEndpoint, testNow } from "./webhooks-testing.ts";

const spaceId = newId("space");
const now = testNow;

const saved = testEndpoint(spaceId, {
  url: "https://crm.example.com/hooks/speaknode",
  description: "CRM sync",
  eventTypes: ["session.completed"],
  headerNames: ["X-Api-Key", "X-Tenant"],
});
const edited = (patch: Partial<EndpointForm>): EndpointForm => ({ ...endpointFormOf(saved), ...patch });

describe("editing an endpoint", () => {
  it("opens with the saved fields and header names without values, and sends nothing when nothing changed", () => {
    expect(endpointFormOf(saved)).toEqual({
      url: saved.url,
      description: "CRM sync",
      eventTypes: ["session.completed"],
      headers: [
        { name: "X-Api-Key", value: "" },
        { name: "X-Tenant", value: "" },
      ],
      removeHeaders: false,
    });
    expect(endpointPatch(saved, endpointFormOf(saved))).toEqual({ ok: true, body: {} });
    expect(headerIntentWords(saved, endpointFormOf(saved))).toBe("The saved headers (X-Api-Key, X-Tenant) stay as they are.");
  });

  it("sends only a changed description and event types (in the contract's order), keeping the headers", () => {
    const form = edited({ description: " Billing sync ", eventTypes: ["session.failed", "session.completed"] });
    expect(endpointPatch(saved, form)).toEqual({ ok: true, body: { description: "Billing sync", eventTypes: ["session.completed", "session.failed"] } });
    expect(endpointPatch(saved, edited({ eventTypes: [] }))).toEqual({ ok: true, body: { eventTypes: [] } });
  });

  it("replaces every header once a value is typed, and asks for the values of saved names left empty", () => {
    const partly = edited({ headers: [{ name: "X-Api-Key", value: "new-key" }, { name: "X-Tenant", value: "" }] });
    expect(endpointPatch(saved, partly)).toEqual({ ok: false, fields: { "headers.1": "enter its value again: new values replace every saved header" } });
    const all = edited({ headers: [{ name: "X-Api-Key", value: "new-key" }] });
    expect(endpointPatch(saved, all)).toEqual({ ok: true, body: { headers: { "X-Api-Key": "new-key" } } });
    expect(headerIntentWords(saved, all)).toBe("Saving replaces the saved headers with this one.");
  });

  it("removes every header with null, whether chosen or by removing each row", () => {
    expect(endpointPatch(saved, edited({ removeHeaders: true }))).toEqual({ ok: true, body: { headers: null } });
    expect(endpointPatch(saved, edited({ headers: [] }))).toEqual({ ok: true, body: { headers: null } });
    expect(endpointPatch({ ...saved, headerNames: [] }, { ...endpointFormOf({ ...saved, headerNames: [] }), removeHeaders: true })).toEqual({ ok: true, body: {} });
  });

  it("refuses a move to another origin with the saved headers kept, and takes it with them given again or removed", () => {
    const moved = edited({ url: "https://hooks.example.org/speaknode" });
    const refused = endpointPatch(saved, moved);
    expect(refused.ok ? {} : refused.fields).toEqual({ headers: expect.stringContaining("moves from https://crm.example.com to https://hooks.example.org") });
    expect(endpointPatch(saved, { ...moved, removeHeaders: true })).toEqual({ ok: true, body: { url: "https://hooks.example.org/speaknode", headers: null } });
    const given = { ...moved, headers: [{ name: "X-Api-Key", value: "k" }, { name: "X-Tenant", value: "t" }] };
    expect(endpointPatch(saved, given)).toEqual({ ok: true, body: { url: "https://hooks.example.org/speaknode", headers: { "X-Api-Key": "k", "X-Tenant": "t" } } });
    // Another path on the same origin keeps them.
    expect(endpointPatch(saved, edited({ url: "https://crm.example.com/v2/hooks" }))).toEqual({ ok: true, body: { url: "https://crm.example.com/v2/hooks" } });
    expect(endpointPatch({ ...saved, headerNames: [] }, { ...edited({ url: "https://hooks.example.org/x" }), headers: [] }).ok).toBe(true);
  });

  it("sends the PATCH through the store, updates the card in place, and explains the API's refusal of an origin move", async () => {
    const fetch = fakeFetch((req) => {
      if (req.method === "GET") return json({ data: req.url.endsWith("/endpoints") ? [saved] : [] });
      const body = JSON.parse(req.body ?? "{}") as { url?: string; description?: string };
      if (body.url) return problem("validation_failed", 422, "custom headers are bound to the origin they were given for", [{ field: "body.headers", message: "must be given again (or null) when the URL moves to another origin" }]);
      return json({ ...saved, ...body, updatedAt: now });
    });
    const store = createWebhooksStore(createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }));
    await store.load(spaceId);
    const checked = endpointPatch(saved, edited({ description: "Billing sync" }));
    if (!checked.ok) throw new Error("the form should be valid");
    await store.updateEndpoint(saved.id, checked.body);
    expect(fetch.requests.at(-1)).toMatchObject({ method: "PATCH", url: `/v1/spaces/${spaceId}/webhooks/endpoints/${saved.id}` });
    expect(JSON.parse(fetch.requests.at(-1)?.body ?? "null")).toEqual({ description: "Billing sync" });
    expect(store.endpoints.value.map((e) => e.description)).toEqual(["Billing sync"]);

    const moved = edited({ url: "https://hooks.example.org/speaknode" });
    const err = await store.updateEndpoint(saved.id, { url: moved.url }).catch((e: unknown) => e);
    const fields = endpointSaveErrors(saved, moved, formErrors(err).fields);
    expect(fields["headers"]).toMatch(/^The URL moves from https:\/\/crm\.example\.com to https:\/\/hooks\.example\.org: .*Enter every header's value again, or remove all headers\.$/);
  });
});

const agentId = newId("agent");
const otherAgentId = newId("agent");
const numberId = newId("phoneNumber");
const route: InboundRoute = {
  id: newId("inboundRoute"),
  spaceId,
  name: "crm-lead",
  url: `https://api.example/hooks/${spaceId}/crm-lead`,
  description: "New CRM leads",
  verification: { method: "bearer" },
  secretHint: "wxyz",
  action: "call",
  agentId,
  campaignId: null,
  fromNumberId: numberId,
  mapping: { phoneNumber: "/contact/phone", variables: { plan: "/plan", customer_name: "/contact/name" } },
  paused: false,
  createdAt: now,
  updatedAt: now,
};

describe("editing an inbound route", () => {
  it("opens with the saved route and sends nothing when nothing changed, whatever the order of the mapping's rows", () => {
    const form = routeFormOf(route);
    expect(form).toMatchObject({ name: "crm-lead", method: "bearer", action: "call", agentId, fromNumberId: numberId, phonePointer: "/contact/phone", secret: "", paused: false });
    expect(routePatch(route, form)).toEqual({ ok: true, body: {} });
    expect(routePatch(route, { ...form, variables: [...form.variables].reverse() })).toEqual({ ok: true, body: {} });
  });

  it("sends the whole mapping when one pointer changes, and drops a variable whose pointer is emptied", () => {
    const form = routeFormOf(route);
    const variables = form.variables.map((r) => (r.variable === "customer_name" ? { ...r, pointer: "/contact/full_name" } : r.variable === "plan" ? { ...r, pointer: "" } : r));
    expect(routePatch(route, { ...form, variables })).toEqual({ ok: true, body: { mapping: { phoneNumber: "/contact/phone", variables: { customer_name: "/contact/full_name" } } } });
  });

  it("sends a changed verification, description, agent and pause, and a new secret only when typed", () => {
    const form = { ...routeFormOf(route), method: "hmac" as const, hmacHeader: "X-Hub-Signature-256", hmacPrefix: "sha256=", description: "Leads", agentId: otherAgentId, paused: true, secret: "a-new-secret-of-24-chars" };
    expect(routePatch(route, form)).toEqual({
      ok: true,
      body: { description: "Leads", verification: { method: "hmac", header: "X-Hub-Signature-256", algorithm: "sha256", encoding: "hex", prefix: "sha256=" }, secret: "a-new-secret-of-24-chars", agentId: otherAgentId, paused: true },
    });
  });

  it("asks for a whsec_ secret to switch to Standard Webhooks, and checks the route whole", () => {
    const switched = routePatch(route, { ...routeFormOf(route), method: "standard_webhooks" });
    expect(switched.ok ? {} : switched.fields).toEqual({ secret: "Standard Webhooks needs a whsec_… secret: enter one to switch to it" });
    const noPhone = routePatch(route, { ...routeFormOf(route), phonePointer: "" });
    expect(noPhone.ok ? {} : noPhone.fields).toEqual({ "mapping.phoneNumber": "point at the phone number in the payload" });
  });

  it("keeps the name and the action whatever the form holds", () => {
    const checked = routePatch(route, { ...routeFormOf(route), name: "renamed", action: "dispatch", description: "x" });
    expect(checked).toEqual({ ok: true, body: { description: "x" } });
  });
});
