// "Add endpoint", and "Edit" of a saved one: the URL, a description, the event types to receive
// (none ticked: all of them) and custom headers (their values are secrets: write-only, so an edit
// lists the saved names with empty values: left so they stay, typed values replace them all, or
// all are removed). Checked with the API's schema before sending; an edit sends only what changed.
// The API's refusals (an address the SSRF guard blocks, say) show by their field. The signing
// secret of a new endpoint comes back once and is shown by the page (WebhooksPage.tsx).
import { useSignal } from "@preact/signals";
import type { WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";
import { createPlan, endpointFormOf, endpointPatch, endpointSaveErrors, headerIntent, headerIntentWords, originMove, originMoveMessage, patchPlan } from "../stores/webhooks-edit.ts";
import { endpointBody, emptyEndpointForm, eventTypeLabels, subscribableEventTypes, type EndpointForm } from "../stores/webhooks-forms.ts";
import type { WebhooksStore } from "../stores/webhooks.ts";
import { AlertMessage, Field, SubmitCancel, useFormSave } from "../ui/fields.tsx";
import { headlineAfter, type FieldErrors } from "../ui/forms.ts";
import { KeyValueRows } from "../ui/KeyValueRows.tsx";

/** `endpoint` given: the form edits it (PATCH of what changed) rather than adding one. */
export function WebhooksEndpointForm({ store, onDone, endpoint }: { store: WebhooksStore; onDone: () => void; endpoint?: WebhookEndpoint }) {
  const form = useSignal<EndpointForm>(endpoint ? endpointFormOf(endpoint) : emptyEndpointForm);
  const { fields, message, busy, submit } = useFormSave(onDone);
  const f = form.value;
  const set = (patch: Partial<EndpointForm>) => {
    form.value = { ...form.value, ...patch };
    // A refusal about the headers (an origin move) goes once the URL or the headers change; the
    // live warning below says it again while it still holds.
    if (fields.value["headers"] && ("url" in patch || "headers" in patch || "removeHeaders" in patch)) {
      const { headers: _gone, ...rest } = fields.value;
      message.value = headlineAfter(message.value, fields.value, rest);
      fields.value = rest;
    }
  };
  const toggleType = (t: (typeof subscribableEventTypes)[number], on: boolean) => set({ eventTypes: on ? [...f.eventTypes, t] : f.eventTypes.filter((x) => x !== t) });
  const savedHeaders = endpoint !== undefined && endpoint.headerNames.length > 0;

  /** What saving sends, or the form's errors: null when an edit changed nothing. */
  const plan = () => (endpoint ? patchPlan(endpointPatch(endpoint, form.value), (b) => store.updateEndpoint(endpoint.id, b)) : createPlan(endpointBody(form.value), (b) => store.createEndpoint(b)));
  // The API's refusal of a move to another origin is about the headers: shown by them.
  const place = (refused: FieldErrors) => (endpoint ? endpointSaveErrors(endpoint, form.value, refused) : refused);
  const err = (k: string) => fields.value[k];
  // Said as soon as the URL's origin changes with the saved headers kept, not only once refused.
  const move = endpoint && savedHeaders && !f.removeHeaders && headerIntent(endpoint, f) === "keep" ? originMove(endpoint.url, f.url) : null;
  const headersProblem = err("headers") ?? (move ? originMoveMessage(move) : undefined);
  return (
    <form class="card endpoint-form stack" aria-label={endpoint ? "Edit endpoint" : "New endpoint"} data-editing={endpoint?.id} onSubmit={(e) => submit(e, plan, place)} noValidate>
      <h4>{endpoint ? <>Edit <code class="inline">{endpoint.url}</code></> : "New endpoint"}</h4>
      <AlertMessage message={message.value} />
      <Field
        label="URL"
        error={err("url")}
        hint={`HTTPS. Redirects are not followed; addresses inside private networks are refused.${savedHeaders ? " Another origin needs the custom header values again." : ""}`}
      >
        <input type="url" value={f.url} placeholder="https://example.com/webhooks/speaknode" onInput={(e) => set({ url: e.currentTarget.value })} />
      </Field>
      <Field label="Description" error={err("description")}>
        <input value={f.description} placeholder="CRM sync" onInput={(e) => set({ description: e.currentTarget.value })} />
      </Field>
      <fieldset class="event-types">
        <legend>Event types</legend>
        <p class="muted small" id="event-types-hint">
          {f.eventTypes.length === 0 ? "None ticked: the endpoint receives every event type, including ones added later." : `${f.eventTypes.length} ticked: only these are sent.`}
        </p>
        <div class="checks">
          {subscribableEventTypes.map((t) => (
            <label key={t} class="inline">
              <input type="checkbox" checked={f.eventTypes.includes(t)} onChange={(e) => toggleType(t, e.currentTarget.checked)} aria-describedby="event-types-hint" />
              <span>
                {eventTypeLabels[t]} <code class="inline muted">{t}</code>
              </span>
            </label>
          ))}
        </div>
        {err("eventTypes") && <p class="error">{err("eventTypes")}</p>}
      </fieldset>
      <fieldset class="custom-headers">
        <legend>Custom headers</legend>
        {savedHeaders ? (
          <p class="muted small">
            Values are write-only and not shown. Leave the rows as they are to keep the saved values; entering values replaces every header (give each one's value).
          </p>
        ) : (
          <p class="muted small">Sent with every delivery (an API key your receiver expects, say). Values are stored encrypted and never shown again.</p>
        )}
        {savedHeaders && (
          <label class="inline">
            <input type="checkbox" checked={f.removeHeaders} onChange={(e) => set({ removeHeaders: e.currentTarget.checked })} />
            Remove all custom headers
          </label>
        )}
        {!f.removeHeaders && (
          <KeyValueRows
            label="Custom header"
            rows={f.headers}
            secret
            onChange={(headers) => set({ headers })}
            errorOf={(i) => err(`headers.${i}`)}
            namePlaceholder="X-Api-Key"
            valuePlaceholder={move ? "enter the value again" : endpoint && headerIntent(endpoint, f) === "keep" ? "saved value (unchanged)" : "value"}
          />
        )}
        {endpoint && !headersProblem && (
          <p class="muted small" data-header-intent={headerIntent(endpoint, f)}>
            {headerIntentWords(endpoint, f)}
          </p>
        )}
        {headersProblem && (
          <p class="error" data-headers-problem>
            {headersProblem}
          </p>
        )}
      </fieldset>
      <SubmitCancel busy={busy.value} label={endpoint ? "Save changes" : "Create endpoint"} busyLabel={endpoint ? "Saving…" : "Creating…"} onCancel={onDone} />
    </form>
  );
}
