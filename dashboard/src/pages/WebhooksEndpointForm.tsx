// "Add endpoint": the URL, a description, the event types to receive (none ticked: all of them)
// and custom headers (their values are secrets: write-only). Checked with the API's schema before
// sending; the API's refusals (an address the SSRF guard blocks, say) show by their field. The
// signing secret comes back once and is shown by the page (WebhooksPage.tsx).
import { useSignal } from "@preact/signals";
import { endpointBody, emptyEndpointForm, eventTypeLabels, subscribableEventTypes, type EndpointForm } from "../stores/webhooks-forms.ts";
import type { WebhooksStore } from "../stores/webhooks.ts";
import { Field } from "../ui/fields.tsx";
import { formErrors, type FieldErrors } from "../ui/forms.ts";
import { KeyValueRows } from "../ui/KeyValueRows.tsx";

export function WebhooksEndpointForm({ store, onDone }: { store: WebhooksStore; onDone: () => void }) {
  const form = useSignal<EndpointForm>(emptyEndpointForm);
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const f = form.value;
  const set = (patch: Partial<EndpointForm>) => (form.value = { ...form.value, ...patch });
  const toggleType = (t: (typeof subscribableEventTypes)[number], on: boolean) => set({ eventTypes: on ? [...f.eventTypes, t] : f.eventTypes.filter((x) => x !== t) });

  const submit = async (e: Event) => {
    e.preventDefault();
    message.value = null;
    const checked = endpointBody(form.value);
    if (!checked.ok) {
      fields.value = checked.fields;
      message.value = "Some fields need a change: see the messages below.";
      return;
    }
    fields.value = {};
    busy.value = true;
    try {
      await store.createEndpoint(checked.body);
      onDone();
    } catch (err) {
      const r = formErrors(err);
      fields.value = r.fields;
      message.value = r.message;
    } finally {
      busy.value = false;
    }
  };
  const err = (k: string) => fields.value[k];
  return (
    <form class="card endpoint-form stack" aria-label="New endpoint" onSubmit={submit} noValidate>
      <h4>New endpoint</h4>
      {message.value && (
        <p class="error" role="alert">
          {message.value}
        </p>
      )}
      <Field label="URL" error={err("url")} hint="HTTPS. Redirects are not followed; addresses inside private networks are refused.">
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
      <fieldset>
        <legend>Custom headers</legend>
        <p class="muted small">Sent with every delivery (an API key your receiver expects, say). Values are stored encrypted and never shown again.</p>
        <KeyValueRows label="Custom header" rows={f.headers} secret onChange={(headers) => set({ headers })} errorOf={(i) => err(`headers.${i}`)} namePlaceholder="X-Api-Key" />
        {err("headers") && <p class="error">{err("headers")}</p>}
      </fieldset>
      <div class="row">
        <button type="submit" disabled={busy.value}>
          {busy.value ? "Creating…" : "Create endpoint"}
        </button>
        <button type="button" class="link" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
