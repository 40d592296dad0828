// The Webhooks page's forms as plain data, and the request bodies they become: a new endpoint (URL,
// description, event types — none ticked means all —, custom header rows), a new inbound route
// (name, verification, action with its agent / campaign / number, mapping rows) and its preview.
// Bodies are checked with the API's own schemas, so a field error shows before anything is sent;
// header names the delivery sets itself are refused here as the API refuses them.
import type { z } from "zod";
import { isReservedWebhookHeader, WebhookEndpointCreate, webhookEventTypes, type WebhookEventType } from "../../../packages/contracts/src/webhooks.ts";
import { InboundMappingPreviewRequest, InboundRouteCreate, type InboundRouteAction } from "../../../packages/contracts/src/webhooks-inbound.ts";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";
import type { HeaderRow } from "./tool-form.ts";

export type Checked<T> = { ok: true; body: T } | { ok: false; fields: FieldErrors };

/** The event types an endpoint may subscribe to (`webhook.test` reaches every endpoint from the test button). */
export const subscribableEventTypes = webhookEventTypes.filter((t): t is Exclude<WebhookEventType, "webhook.test"> => t !== "webhook.test");
export type SubscribableEventType = (typeof subscribableEventTypes)[number];

export const eventTypeLabels: Record<WebhookEventType, string> = {
  "session.started": "Session started",
  "session.completed": "Session completed",
  "session.failed": "Session failed",
  "call.voicemail": "Call reached voicemail",
  "call.analysis.ready": "Call analysis ready",
  "campaign.item.completed": "Campaign contact done",
  "campaign.completed": "Campaign completed",
  "billing.usage_threshold": "Usage threshold reached",
  "webhook.test": "Test event",
};

export interface EndpointForm {
  url: string;
  description: string;
  /** None ticked: every event type. */
  eventTypes: SubscribableEventType[];
  headers: HeaderRow[];
  /** Editing only: drop every saved custom header (sent as `headers: null`). */
  removeHeaders: boolean;
}

export const emptyEndpointForm: EndpointForm = { url: "", description: "", eventTypes: [], headers: [], removeHeaders: false };

/** Header rows → a record; blank rows are dropped, repeats and reserved names are errors under `headers.<i>`. */
export function headerRecord(rows: HeaderRow[], errors: FieldErrors): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const name = row.name.trim();
    if (name === "" && row.value === "") return;
    const key = `headers.${i}`;
    if (name === "") errors[key] ??= "needs a name";
    else if (isReservedWebhookHeader(name)) errors[key] ??= `${name} is set by every delivery and cannot be replaced`;
    else if (seen.has(name.toLowerCase())) errors[key] ??= `${name} is given twice`;
    else if (row.value === "") errors[key] ??= "needs a value";
    seen.add(name.toLowerCase());
    out[name] = row.value;
  });
  return out;
}

/** Moves a schema error on `headers.<Name>` to the row that holds that name. */
export function placeHeaderErrors(fields: FieldErrors, rows: HeaderRow[]): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, message] of Object.entries(fields)) {
    const m = /^headers\.(.+)$/.exec(key);
    const at = m ? rows.findIndex((r) => r.name.trim() === m[1]) : -1;
    out[at >= 0 ? `headers.${at}` : key] ??= message;
  }
  return out;
}

/** The POST body of a new endpoint, or what is wrong with the form. */
export function endpointBody(form: EndpointForm): Checked<z.input<typeof WebhookEndpointCreate>> {
  const errors: FieldErrors = {};
  const headers = headerRecord(form.headers, errors);
  const raw = {
    url: form.url.trim(),
    description: form.description.trim(),
    eventTypes: subscribableEventTypes.filter((t) => form.eventTypes.includes(t)),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
  const parsed = WebhookEndpointCreate.safeParse(raw);
  const fields = { ...(parsed.success ? {} : placeHeaderErrors(zodFieldErrors(parsed.error), form.headers)), ...errors };
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, body: raw };
}

/** The types an endpoint receives, in words: "All events" when it lists none. */
export function eventTypesSummary(types: readonly string[]): string {
  if (types.length === 0) return "All events";
  return types.join(", ");
}

// ---------------------------------------------------------------------------------------------
// Inbound routes

export type VerificationMethod = "standard_webhooks" | "hmac" | "bearer";

export interface MappingRow {
  variable: string;
  pointer: string;
}

export interface RouteForm {
  name: string;
  description: string;
  method: VerificationMethod;
  hmacHeader: string;
  hmacAlgorithm: "sha1" | "sha256" | "sha512";
  hmacEncoding: "hex" | "base64";
  hmacPrefix: string;
  /** Empty: the API generates one (answered once). */
  secret: string;
  action: InboundRouteAction;
  agentId: string;
  campaignId: string;
  fromNumberId: string;
  phonePointer: string;
  idempotencyPointer: string;
  /** One row per variable of the agent (a pointer may stay empty: the variable is not mapped). */
  variables: MappingRow[];
  /** Editing only (a new route starts active): requests are refused with 409 while paused. */
  paused: boolean;
}

export const emptyRouteForm: RouteForm = {
  name: "",
  description: "",
  method: "standard_webhooks",
  hmacHeader: "x-signature",
  hmacAlgorithm: "sha256",
  hmacEncoding: "hex",
  hmacPrefix: "",
  secret: "",
  action: "call",
  agentId: "",
  campaignId: "",
  fromNumberId: "",
  phonePointer: "",
  idempotencyPointer: "",
  variables: [],
  paused: false,
};

/** The URL a route receives at: the one the API answers, or the one its name will have. */
export function routeUrl(origin: string, spaceId: string, name: string): string {
  return `${origin.replace(/\/+$/, "")}/hooks/${encodeURIComponent(spaceId)}/${name.trim() === "" ? "{name}" : encodeURIComponent(name.trim())}`;
}

/** Rows for the agent's variables, keeping pointers already typed for names that stay, then any others the form had. */
export function variableRows(names: readonly string[], current: MappingRow[]): MappingRow[] {
  const typed = new Map(current.map((r) => [r.variable, r.pointer]));
  const declared = names.map((variable) => ({ variable, pointer: typed.get(variable) ?? "" }));
  const extra = current.filter((r) => !names.includes(r.variable) && r.variable.trim() !== "");
  return [...declared, ...extra];
}

/** The action's fields that reach the API: campaign_item names a campaign, call and dispatch an agent, call a from-number. */
function actionFields(form: RouteForm): { agentId?: string; campaignId?: string; fromNumberId?: string } {
  if (form.action === "campaign_item") return form.campaignId ? { campaignId: form.campaignId } : {};
  return {
    ...(form.agentId ? { agentId: form.agentId } : {}),
    ...(form.action === "call" && form.fromNumberId ? { fromNumberId: form.fromNumberId } : {}),
  };
}

export function mappingOf(form: RouteForm) {
  const variables: Record<string, string> = {};
  for (const r of form.variables) if (r.variable.trim() !== "" && r.pointer.trim() !== "") variables[r.variable.trim()] = r.pointer.trim();
  return {
    ...(form.action !== "dispatch" && form.phonePointer.trim() !== "" ? { phoneNumber: form.phonePointer.trim() } : {}),
    variables,
    ...(form.idempotencyPointer.trim() !== "" ? { idempotencyKey: form.idempotencyPointer.trim() } : {}),
  };
}

function verificationOf(form: RouteForm) {
  if (form.method !== "hmac") return { method: form.method };
  return { method: "hmac" as const, header: form.hmacHeader.trim(), algorithm: form.hmacAlgorithm, encoding: form.hmacEncoding, prefix: form.hmacPrefix };
}

/** Errors the schema cannot see: what each action needs. */
function actionErrors(form: RouteForm): FieldErrors {
  const errors: FieldErrors = {};
  if (form.action === "campaign_item" && !form.campaignId) errors["campaignId"] = "choose a campaign";
  if (form.action !== "campaign_item" && !form.agentId) errors["agentId"] = "choose an agent";
  if (form.action === "call" && !form.fromNumberId) errors["fromNumberId"] = "choose a number to call from";
  if (form.action !== "dispatch" && form.phonePointer.trim() === "") errors["mapping.phoneNumber"] = "point at the phone number in the payload";
  return errors;
}

/** Moves schema (or API) errors on `mapping.variables.<name>` to that variable's row. */
export function placeVariableErrors(fields: FieldErrors, rows: MappingRow[]): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, message] of Object.entries(fields)) {
    const m = /^mapping\.variables\.(.+)$/.exec(key);
    const at = m ? rows.findIndex((r) => r.variable.trim() === m[1]) : -1;
    out[at >= 0 ? `variables.${at}` : key] ??= message;
  }
  return out;
}

/** The POST body of a new route, or what is wrong with the form. */
export function routeBody(form: RouteForm): Checked<z.input<typeof InboundRouteCreate>> {
  const raw = {
    name: form.name.trim(),
    description: form.description.trim(),
    verification: verificationOf(form),
    ...(form.secret.trim() !== "" ? { secret: form.secret.trim() } : {}),
    action: form.action,
    ...actionFields(form),
    mapping: mappingOf(form),
  };
  const parsed = InboundRouteCreate.safeParse(raw);
  const fields = { ...(parsed.success ? {} : placeVariableErrors(zodFieldErrors(parsed.error), form.variables)), ...actionErrors(form) };
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, body: raw };
}

/** The pasted sample as JSON, or why it is not. */
export function parseSample(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === "") return { ok: false, message: "Paste a sample payload (JSON) first." };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `The sample is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The preview request for the form and a pasted sample, or what is wrong with either. */
export function previewBody(form: RouteForm, sampleText: string): Checked<z.input<typeof InboundMappingPreviewRequest>> {
  const sample = parseSample(sampleText);
  if (!sample.ok) return { ok: false, fields: { sample: sample.message } };
  // The preview resolves the mapping only: the number to call from plays no part in it.
  const { fromNumberId: _from, ...action } = actionFields(form);
  const raw = { action: form.action, ...action, mapping: mappingOf(form), sample: sample.value };
  const parsed = InboundMappingPreviewRequest.safeParse(raw);
  return parsed.success ? { ok: true, body: raw } : { ok: false, fields: placeVariableErrors(zodFieldErrors(parsed.error), form.variables) };
}

/** A datetime-local value ("2026-03-01T09:30", the browser's zone) as an ISO instant, null when empty or invalid. */
export function sinceIso(local: string): string | null {
  if (local.trim() === "") return null;
  const ms = new Date(local).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
