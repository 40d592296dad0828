// Editing a saved endpoint or inbound route with the create forms (webhooks-forms.ts): the form
// filled from what the API answered, and a PATCH body holding only what changed. Custom header
// values are write-only: the form lists the saved names with empty values; left so, the saved
// headers stay; values typed replace them all; "remove all" sends null. The API seals header
// values for the URL's origin, so a move to another origin needs them again (or removed): that is
// said by the headers before anything is sent, in the same words the API's refusal gets.
import type { z } from "zod";
import { WebhookEndpointUpdate, type WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";
import { InboundRouteUpdate, type InboundRoute } from "../../../packages/contracts/src/webhooks-inbound.ts";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";
import { sameJson } from "./agent-editor.ts";
import { emptyRouteForm, headerRecord, placeHeaderErrors, routeBody, subscribableEventTypes, type Checked, type EndpointForm, type RouteForm } from "./webhooks-forms.ts";

// ---------------------------------------------------------------------------------------------
// Endpoints

export function endpointFormOf(e: WebhookEndpoint): EndpointForm {
  return {
    url: e.url,
    description: e.description,
    eventTypes: subscribableEventTypes.filter((t) => e.eventTypes.includes(t)),
    headers: e.headerNames.map((name) => ({ name, value: "" })),
    removeHeaders: false,
  };
}

/** What a save does to the custom headers: keeps the saved ones, replaces them all, or removes them. */
export type HeaderIntent = "keep" | "replace" | "remove";

export function headerIntent(saved: Pick<WebhookEndpoint, "headerNames">, form: EndpointForm): HeaderIntent {
  if (form.removeHeaders) return saved.headerNames.length > 0 ? "remove" : "keep";
  const rows = form.headers.filter((r) => r.name.trim() !== "" || r.value !== "");
  if (rows.length === 0) return saved.headerNames.length > 0 ? "remove" : "keep";
  const untouched = rows.every((r) => r.value === "") && sameJson(rows.map((r) => r.name.trim()), saved.headerNames);
  return untouched ? "keep" : "replace";
}

function originOf(url: string): string | null {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return null;
  }
}

/** The origin the URL moves from and to, or null when it stays (or the new URL does not parse yet). */
export function originMove(savedUrl: string, url: string): { from: string; to: string } | null {
  const from = originOf(savedUrl);
  const to = originOf(url);
  return from && to && from !== to ? { from, to } : null;
}

export function originMoveMessage(move: { from: string; to: string }): string {
  return `The URL moves from ${move.from} to ${move.to}: the saved header values are kept for ${move.from} only and are never sent elsewhere. Enter every header's value again, or remove all headers.`;
}

/** The words under the headers of the edit form, saying what a save does to them. */
export function headerIntentWords(saved: Pick<WebhookEndpoint, "headerNames">, form: EndpointForm): string {
  const intent = headerIntent(saved, form);
  if (intent === "remove") return "Saving removes every custom header.";
  if (intent === "keep") return saved.headerNames.length > 0 ? `The saved headers (${saved.headerNames.join(", ")}) stay as they are.` : "No custom headers.";
  const n = form.headers.filter((r) => r.name.trim() !== "").length;
  return `Saving replaces the saved headers with ${n === 1 ? "this one" : `these ${n}`}.`;
}

/** The PATCH body of an edited endpoint (only what changed; `{}` when nothing did), or what is wrong with the form. */
export function endpointPatch(saved: WebhookEndpoint, form: EndpointForm): Checked<WebhookEndpointUpdate> {
  const errors: FieldErrors = {};
  const patch: WebhookEndpointUpdate = {};
  const url = form.url.trim();
  if (url !== saved.url) patch.url = url;
  const description = form.description.trim();
  if (description !== saved.description) patch.description = description;
  const eventTypes = subscribableEventTypes.filter((t) => form.eventTypes.includes(t));
  if (!sameJson(eventTypes, subscribableEventTypes.filter((t) => saved.eventTypes.includes(t)))) patch.eventTypes = eventTypes;

  const intent = headerIntent(saved, form);
  if (intent === "remove") patch.headers = null;
  if (intent === "replace") {
    const rowErrors: FieldErrors = {};
    patch.headers = headerRecord(form.headers, rowErrors);
    // A saved name left without its value: say why it needs one now.
    for (const [key, message] of Object.entries(rowErrors)) errors[key] = message === "needs a value" ? "enter its value again: new values replace every saved header" : message;
  }
  const move = originMove(saved.url, url);
  if (intent === "keep" && move && saved.headerNames.length > 0) errors["headers"] = originMoveMessage(move);

  const parsed = WebhookEndpointUpdate.safeParse(patch);
  const fields = { ...(parsed.success ? {} : placeHeaderErrors(zodFieldErrors(parsed.error), form.headers)), ...errors };
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, body: patch };
}

/** The API's refusal of a save in the form's words: its complaint about headers after an origin move is explained. */
export function endpointSaveErrors(saved: WebhookEndpoint, form: EndpointForm, fields: FieldErrors): FieldErrors {
  const move = originMove(saved.url, form.url);
  return fields["headers"] && move ? { ...fields, headers: originMoveMessage(move) } : fields;
}

// ---------------------------------------------------------------------------------------------
// Inbound routes

export function routeFormOf(r: InboundRoute): RouteForm {
  const v = r.verification;
  return {
    ...emptyRouteForm,
    name: r.name,
    description: r.description,
    method: v.method,
    ...(v.method === "hmac" ? { hmacHeader: v.header, hmacAlgorithm: v.algorithm, hmacEncoding: v.encoding, hmacPrefix: v.prefix } : {}),
    action: r.action,
    agentId: r.agentId ?? "",
    campaignId: r.campaignId ?? "",
    fromNumberId: r.fromNumberId ?? "",
    phonePointer: r.mapping.phoneNumber ?? "",
    idempotencyPointer: r.mapping.idempotencyKey ?? "",
    variables: Object.entries(r.mapping.variables).map(([variable, pointer]) => ({ variable, pointer })),
    paused: r.paused,
  };
}

/** A switch to Standard Webhooks verifies with a whsec_… secret, which the API does not generate on a change. */
export function needsNewSecret(saved: Pick<InboundRoute, "verification">, form: Pick<RouteForm, "method">): boolean {
  return form.method === "standard_webhooks" && saved.verification.method !== "standard_webhooks";
}

/**
 * The PATCH body of an edited route (only what changed; `{}` when nothing did), or what is wrong
 * with the form. The route is checked whole as a new one would be (the API does the same); the
 * name and the action stay what they were.
 */
export function routePatch(saved: InboundRoute, form: RouteForm): Checked<z.input<typeof InboundRouteUpdate>> {
  const whole = routeBody({ ...form, name: saved.name, action: saved.action });
  const errors: FieldErrors = whole.ok ? {} : { ...whole.fields };
  if (needsNewSecret(saved, form) && form.secret.trim() === "") errors["secret"] ??= "Standard Webhooks needs a whsec_… secret: enter one to switch to it";
  if (!whole.ok || Object.keys(errors).length > 0) return { ok: false, fields: errors };

  const b = whole.body;
  const patch: z.input<typeof InboundRouteUpdate> = {};
  if (b.description !== saved.description) patch.description = b.description;
  if (!sameJson(b.verification, saved.verification)) patch.verification = b.verification;
  if (b.secret !== undefined) patch.secret = b.secret;
  for (const key of ["agentId", "campaignId", "fromNumberId"] as const) if (b[key] !== undefined && b[key] !== saved[key]) patch[key] = b[key];
  if (!sameJson(b.mapping, saved.mapping)) patch.mapping = b.mapping;
  if (form.paused !== saved.paused) patch.paused = form.paused;
  const parsed = InboundRouteUpdate.safeParse(patch);
  return parsed.success ? { ok: true, body: patch } : { ok: false, fields: zodFieldErrors(parsed.error) };
}

// ---------------------------------------------------------------------------------------------
// Saving: what a create or edit form sends

type Send = () => Promise<unknown>;

/** A new endpoint or route: the checked body sent by `send`, or the form's errors. */
export function createPlan<B>(checked: Checked<B>, send: (body: B) => Promise<unknown>): Checked<Send> {
  return checked.ok ? { ok: true, body: () => send(checked.body) } : checked;
}

/** An edit: the PATCH body sent by `send`, null when nothing changed, or the form's errors. */
export function patchPlan<B extends object>(checked: Checked<B>, send: (body: B) => Promise<unknown>): Checked<Send | null> {
  if (!checked.ok) return checked;
  return { ok: true, body: Object.keys(checked.body).length > 0 ? () => send(checked.body) : null };
}
