// The Webhooks page's forms without a DOM: an endpoint with no event type ticked receives all,
// custom headers the delivery sets itself are refused by their row, a route's body carries only
// what its action needs, the mapping rows follow the agent's variables, and the preview refuses a
// sample that is not JSON before asking the API.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { isReservedWebhookHeader as reservedHeaderName } from "../../../packages/contracts/src/webhooks.ts";
import { emptyEndpointForm, emptyRouteForm, endpointBody, eventTypesSummary, previewBody, routeBody, routeUrl, sinceIso, variableRows, type RouteForm } from "./webhooks-forms.ts";
import { mappedAgent, variableNames, type RouteChoices } from "./webhooks-choices.ts";

describe("endpoint form", () => {
  it("sends no event types when none is ticked, which the API takes as every type", () => {
    const checked = endpointBody({ ...emptyEndpointForm, url: " https://example.com/hook " });
    expect(checked).toEqual({ ok: true, body: { url: "https://example.com/hook", description: "", eventTypes: [] } });
    expect(eventTypesSummary([])).toBe("All events");
  });

  it("keeps ticked event types in the contract's order", () => {
    const checked = endpointBody({ ...emptyEndpointForm, url: "https://example.com/hook", eventTypes: ["session.failed", "session.started"] });
    expect(checked.ok && checked.body.eventTypes).toEqual(["session.started", "session.failed"]);
  });

  it("refuses a header the delivery sets itself, on its own row, and leaves blank rows out", () => {
    const checked = endpointBody({
      ...emptyEndpointForm,
      url: "https://example.com/hook",
      headers: [
        { name: "X-Api-Key", value: "k" },
        { name: "", value: "" },
        { name: "Webhook-Signature", value: "x" },
      ],
    });
    expect(checked).toEqual({ ok: false, fields: { "headers.2": "Webhook-Signature is set by every delivery and cannot be replaced" } });
    for (const name of ["content-type", "User-Agent", "host", "Content-Length", "speaknode-event-type", "webhook-id"]) expect(reservedHeaderName(name)).toBe(true);
    expect(reservedHeaderName("x-speaknode")).toBe(false);
  });

  it("names a repeated header and a header without a value", () => {
    const checked = endpointBody({
      ...emptyEndpointForm,
      url: "https://example.com/hook",
      headers: [
        { name: "X-A", value: "1" },
        { name: "x-a", value: "2" },
        { name: "X-B", value: "" },
      ],
    });
    expect(checked.ok ? {} : checked.fields).toEqual({ "headers.1": "x-a is given twice", "headers.2": "needs a value" });
  });

  it("reports a URL the schema refuses under url", () => {
    const checked = endpointBody({ ...emptyEndpointForm, url: "not a url" });
    expect(checked.ok).toBe(false);
    expect(Object.keys(checked.ok ? {} : checked.fields)).toEqual(["url"]);
  });
});

const agentId = newId("agent");
const numberId = newId("phoneNumber");
const campaignId = newId("campaign");
const callForm: RouteForm = { ...emptyRouteForm, name: "crm-lead", agentId, fromNumberId: numberId, phonePointer: "/contact/phone", variables: [{ variable: "name", pointer: "/contact/name" }, { variable: "plan", pointer: "" }] };

describe("inbound route form", () => {
  it("builds a call route with the agent, the number and only the mapped variables", () => {
    expect(routeBody(callForm)).toEqual({
      ok: true,
      body: {
        name: "crm-lead",
        description: "",
        verification: { method: "standard_webhooks" },
        action: "call",
        agentId,
        fromNumberId: numberId,
        mapping: { phoneNumber: "/contact/phone", variables: { name: "/contact/name" } },
      },
    });
  });

  it("sends a campaign contact route with the campaign only, and an HMAC verification in full", () => {
    const checked = routeBody({ ...callForm, action: "campaign_item", campaignId, method: "hmac", hmacHeader: "X-Hub-Signature-256", hmacPrefix: "sha256=" });
    expect(checked.ok && checked.body).toMatchObject({ campaignId, verification: { method: "hmac", header: "X-Hub-Signature-256", algorithm: "sha256", encoding: "hex", prefix: "sha256=" } });
    expect(checked.ok && "agentId" in checked.body).toBe(false);
    expect(checked.ok && "fromNumberId" in checked.body).toBe(false);
  });

  it("says what each action still needs", () => {
    const call = routeBody({ ...emptyRouteForm, name: "x" });
    expect(call.ok ? {} : call.fields).toEqual({ agentId: "choose an agent", fromNumberId: "choose a number to call from", "mapping.phoneNumber": "point at the phone number in the payload" });
    const dispatch = routeBody({ ...emptyRouteForm, name: "x", action: "dispatch", agentId, phonePointer: "/ignored" });
    expect(dispatch.ok && dispatch.body.mapping).toEqual({ variables: {} });
  });

  it("places a pointer the schema refuses on its variable's row, and a bad name under name", () => {
    const checked = routeBody({ ...callForm, name: "Bad Name", variables: [{ variable: "name", pointer: "contact/name" }] });
    expect(checked.ok ? [] : Object.keys(checked.fields).sort()).toEqual(["name", "variables.0"]);
  });

  it("shows the URL a route's name will receive at", () => {
    expect(routeUrl("http://127.0.0.1:8787/", "spc_1", " crm-lead ")).toBe("http://127.0.0.1:8787/hooks/spc_1/crm-lead");
    expect(routeUrl("https://api.example", "spc_1", "")).toBe("https://api.example/hooks/spc_1/{name}");
  });

  it("lists the agent's variables (required first) and keeps pointers typed for names that stay", () => {
    const agent = { id: agentId, variables: { type: "object" as const, properties: { plan: { type: "string" as const }, name: { type: "string" as const } }, required: ["name"] } };
    expect(variableNames(agent)).toEqual(["name", "plan"]);
    expect(variableRows(["name", "plan"], [{ variable: "plan", pointer: "/p" }, { variable: "old", pointer: "/o" }])).toEqual([
      { variable: "name", pointer: "" },
      { variable: "plan", pointer: "/p" },
      { variable: "old", pointer: "/o" },
    ]);
  });

  it("maps a campaign contact route to the campaign's agent", () => {
    const choices = { agents: [{ id: agentId }], campaigns: [{ id: campaignId, agentId }], numbers: [] } as unknown as RouteChoices;
    expect(mappedAgent(choices, { action: "campaign_item", agentId: "", campaignId })?.id).toBe(agentId);
    expect(mappedAgent(choices, { action: "call", agentId: "", campaignId })).toBeNull();
  });

  it("refuses a sample that is not JSON before asking the API, and sends a parsed one", () => {
    const bad = previewBody(callForm, "{ nope");
    expect(bad.ok ? "" : bad.fields["sample"]).toMatch(/^The sample is not JSON/);
    const good = previewBody(callForm, '{"contact":{"phone":"+14155550100"}}');
    expect(good.ok && good.body).toMatchObject({ action: "call", agentId, sample: { contact: { phone: "+14155550100" } } });
  });

  it("turns a datetime-local value into an instant, and nothing typed into null", () => {
    expect(sinceIso("")).toBeNull();
    expect(sinceIso("not a date")).toBeNull();
    expect(sinceIso("2026-03-01T09:30")).toBe(new Date("2026-03-01T09:30").toISOString());
  });
});
