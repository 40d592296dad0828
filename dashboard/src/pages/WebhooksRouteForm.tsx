// "Add inbound route", and "Edit" of a saved one: the name (shown as the full URL it receives at),
// how requests are verified (a Standard Webhooks secret, an HMAC header with its algorithm,
// encoding and prefix, or a bearer secret), the action (call, campaign contact, web session) with
// its agent / campaign / number, and the mapping from the payload (JSON pointers) to the phone
// number and each of the agent's variables, with a preview against a pasted sample
// (WebhooksRoutePreview.tsx). A new route's generated secret comes back once and is shown by the
// page. An edit keeps the name and the action (the API does), may pause the route or give it a
// new secret, and sends only what changed.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { InboundRoute } from "../../../packages/contracts/src/webhooks-inbound.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import { loadRouteChoices, mappedAgent, variableNames, type RouteChoices } from "../stores/webhooks-choices.ts";
import { createPlan, needsNewSecret, patchPlan, routeFormOf, routePatch } from "../stores/webhooks-edit.ts";
import { emptyRouteForm, placeVariableErrors, routeBody, routeUrl, variableRows, type RouteForm } from "../stores/webhooks-forms.ts";
import { secretHintText } from "../stores/webhooks-view.ts";
import type { WebhooksStore } from "../stores/webhooks.ts";
import { AlertMessage, Field, FieldMessage, invalidProps, SubmitCancel, useFormSave } from "../ui/fields.tsx";
import type { FieldErrors } from "../ui/forms.ts";
import { WebhooksRoutePreview } from "./WebhooksRoutePreview.tsx";

const actions: { id: RouteForm["action"]; label: string; hint: string }[] = [
  { id: "call", label: "Call", hint: "Place an outbound call from one of your numbers" },
  { id: "campaign_item", label: "Campaign contact", hint: "Append a contact to a running or paused campaign" },
  { id: "dispatch", label: "Web session", hint: "Create a web session and answer its join link" },
];
const methods: { id: RouteForm["method"]; label: string }[] = [
  { id: "standard_webhooks", label: "Standard Webhooks signature" },
  { id: "hmac", label: "HMAC header" },
  { id: "bearer", label: "Bearer secret" },
];

/** `route` given: the form edits it (PATCH of what changed) rather than adding one. */
export function WebhooksRouteForm({ store, spaceId, onDone, route }: { store: WebhooksStore; spaceId: string; onDone: () => void; route?: InboundRoute }) {
  const { api, config } = useStores();
  const form = useSignal<RouteForm>(route ? routeFormOf(route) : emptyRouteForm);
  const choices = useSignal<RouteChoices | null>(null);
  const choicesError = useSignal<string | null>(null);
  const { fields, message, busy, submit } = useFormSave(onDone);
  useEffect(() => {
    loadRouteChoices(api, spaceId).then(
      (c) => (choices.value = c),
      (err: unknown) => (choicesError.value = errorMessage(err)),
    );
  }, [spaceId]);
  const f = form.value;
  const agent = mappedAgent(choices.value, f);
  // The mapping lists the agent's variables: a change of agent (or campaign) brings its own.
  useEffect(() => {
    form.value = { ...form.value, variables: variableRows(variableNames(agent), form.value.variables.filter((r) => r.pointer.trim() !== "")) };
  }, [agent?.id]);
  const set = (patch: Partial<RouteForm>) => (form.value = { ...form.value, ...patch });
  const err = (k: string) => fields.value[k];
  const required = new Set(agent?.variables.required ?? []);

  /** What saving sends, or the form's errors: null when an edit changed nothing. */
  const plan = () => (route ? patchPlan(routePatch(route, form.value), (b) => store.updateRoute(route.id, b)) : createPlan(routeBody(form.value), (b) => store.createRoute(b)));
  const place = (refused: FieldErrors) => placeVariableErrors(refused, form.value.variables);
  const c = choices.value;
  // Radio groups are named per form: an edit and a new route may be open together.
  const key = route?.id ?? "new";
  const secretHint = !route
    ? f.method === "standard_webhooks"
      ? "Empty: a whsec_… secret is generated and shown once."
      : "Empty: one is generated and shown once."
    : needsNewSecret(route, f)
      ? "Standard Webhooks verifies with a whsec_… secret: enter one (the current one stops verifying at once)."
      : `Empty: the current secret (${secretHintText(route.secretHint)}) stays. A new one replaces it at once: requests signed with the old one are refused.`;
  return (
    <form class="card route-form stack" aria-label={route ? "Edit inbound route" : "New inbound route"} data-editing={route?.name} onSubmit={(e) => submit(e, plan, place)} noValidate>
      <h4>{route ? <>Edit the route <code class="inline">{route.name}</code></> : "New inbound route"}</h4>
      <AlertMessage message={message.value} />
      {choicesError.value && <p class="error">Could not load the agents, campaigns and numbers: {choicesError.value}</p>}
      <div class="grid">
        <Field label="Name" error={err("name")} hint={route ? "The name is the route's URL: it stays." : "Lowercase letters, digits, - and _."}>
          <input value={f.name} placeholder="crm-new-lead" readOnly={route !== undefined} onInput={(e) => set({ name: e.currentTarget.value })} />
        </Field>
        <Field label="Description" error={err("description")}>
          <input value={f.description} onInput={(e) => set({ description: e.currentTarget.value })} />
        </Field>
      </div>
      <p class="route-url">
        Requests go to <code data-route-url>POST {route ? route.url : routeUrl(config.apiBase || config.origin, spaceId, f.name)}</code>
      </p>

      <fieldset>
        <legend>Verification</legend>
        <div class="row">
          {methods.map((m) => (
            <label key={m.id} class="inline">
              <input type="radio" name={`route-method-${key}`} checked={f.method === m.id} onChange={() => set({ method: m.id })} />
              {m.label}
            </label>
          ))}
        </div>
        {f.method === "hmac" && (
          <div class="grid">
            <Field label="Signature header" error={err("verification.header")}>
              <input value={f.hmacHeader} onInput={(e) => set({ hmacHeader: e.currentTarget.value })} />
            </Field>
            <Field label="Algorithm">
              <select value={f.hmacAlgorithm} onChange={(e) => set({ hmacAlgorithm: e.currentTarget.value as RouteForm["hmacAlgorithm"] })}>
                <option value="sha256">HMAC-SHA256</option>
                <option value="sha512">HMAC-SHA512</option>
                <option value="sha1">HMAC-SHA1</option>
              </select>
            </Field>
            <Field label="Encoding">
              <select value={f.hmacEncoding} onChange={(e) => set({ hmacEncoding: e.currentTarget.value as RouteForm["hmacEncoding"] })}>
                <option value="hex">hex</option>
                <option value="base64">base64</option>
              </select>
            </Field>
            <Field label="Prefix" error={err("verification.prefix")} hint='Before the digest, e.g. "sha256=" (GitHub).'>
              <input value={f.hmacPrefix} onInput={(e) => set({ hmacPrefix: e.currentTarget.value })} />
            </Field>
          </div>
        )}
        <Field label={route ? "New secret (optional)" : "Secret (optional)"} error={err("secret")} hint={secretHint}>
          <input type="password" autoComplete="new-password" value={f.secret} onInput={(e) => set({ secret: e.currentTarget.value })} />
        </Field>
      </fieldset>

      <fieldset>
        <legend>Action</legend>
        {route && <p class="muted small">A route keeps its action: add another route for another one.</p>}
        <div class="choices">
          {actions.map((a) => (
            <label key={a.id} class={`choice${f.action === a.id ? " selected" : route ? " locked" : ""}`}>
              <input type="radio" name={`route-action-${key}`} checked={f.action === a.id} disabled={route !== undefined} onChange={() => set({ action: a.id })} />
              <strong>{a.label}</strong>
              <small class="muted">{a.hint}</small>
            </label>
          ))}
        </div>
        <div class="grid">
          {f.action === "campaign_item" ? (
            <Field label="Campaign" error={err("campaignId")} hint={c && c.campaigns.length === 0 ? "No running or paused campaign in this space." : undefined}>
              <select value={f.campaignId} onChange={(e) => set({ campaignId: e.currentTarget.value })}>
                <option value="">Choose a campaign</option>
                {c?.campaigns.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name} ({x.status})
                  </option>
                ))}
              </select>
            </Field>
          ) : (
            <Field label="Agent" error={err("agentId")}>
              <select value={f.agentId} onChange={(e) => set({ agentId: e.currentTarget.value })}>
                <option value="">{c ? "Choose an agent" : "Loading…"}</option>
                {c?.agents.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            </Field>
          )}
          {f.action === "call" && (
            <Field label="Call from" error={err("fromNumberId")} hint={c && c.numbers.length === 0 ? "Import a number on the Telephony page first." : undefined}>
              <select value={f.fromNumberId} onChange={(e) => set({ fromNumberId: e.currentTarget.value })}>
                <option value="">Choose a number</option>
                {c?.numbers.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.e164}
                    {n.friendlyName ? ` · ${n.friendlyName}` : ""}
                  </option>
                ))}
              </select>
            </Field>
          )}
        </div>
      </fieldset>

      <fieldset class="mapping">
        <legend>Mapping from the payload</legend>
        <p class="muted small">JSON pointers into the request's body: /contact/phone is the phone field of its contact object.</p>
        <div class="grid">
          {f.action !== "dispatch" && (
            <Field label="Phone number" error={err("mapping.phoneNumber")} hint="Normalised to E.164.">
              <input value={f.phonePointer} placeholder="/contact/phone" onInput={(e) => set({ phonePointer: e.currentTarget.value })} />
            </Field>
          )}
          <Field label="Idempotency key (optional)" error={err("mapping.idempotencyKey")} hint="When the sender sends no webhook-id or Idempotency-Key header.">
            <input value={f.idempotencyPointer} placeholder="/event/id" onInput={(e) => set({ idempotencyPointer: e.currentTarget.value })} />
          </Field>
        </div>
        {f.variables.length === 0 ? (
          <p class="muted small">{agent ? "This agent declares no variables." : "Choose the agent to map its variables."}</p>
        ) : (
          <table class="mapping-rows">
            <caption class="visually-hidden">Agent variables and the pointers they are read from</caption>
            <thead>
              <tr>
                <th scope="col">Variable</th>
                <th scope="col">Pointer</th>
              </tr>
            </thead>
            <tbody>
              {f.variables.map((row, i) => (
                <tr key={row.variable} data-variable={row.variable}>
                  <th scope="row">
                    <code>{`{{${row.variable}}}`}</code>
                    {required.has(row.variable) && <span class="muted"> required</span>}
                    {agent?.variables.properties[row.variable] && <span class="muted"> · {agent.variables.properties[row.variable]?.type}</span>}
                  </th>
                  <td>
                    <input
                      aria-label={`Pointer for ${row.variable}`}
                      {...invalidProps(`variables.${i}`, err(`variables.${i}`))}
                      value={row.pointer}
                      placeholder={`/${row.variable}`}
                      onInput={(e) => set({ variables: f.variables.map((r, j) => (j === i ? { ...r, pointer: e.currentTarget.value } : r)) })}
                    />
                    <FieldMessage path={`variables.${i}`} error={err(`variables.${i}`)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </fieldset>

      <WebhooksRoutePreview store={store} form={f} />

      {route && (
        <label class="inline">
          <input type="checkbox" checked={f.paused} onChange={(e) => set({ paused: e.currentTarget.checked })} />
          Paused: requests are refused (409) and logged until the route is resumed
        </label>
      )}

      <SubmitCancel busy={busy.value} label={route ? "Save changes" : "Create route"} busyLabel={route ? "Saving…" : "Creating…"} onCancel={onDone} />
    </form>
  );
}
