// "Preview against a sample payload": the route form's mapping resolved by the API against a
// pasted JSON body, exactly as a request would be (pointers, the agent's variable types, E.164):
// the resolved phone number, variables and idempotency key, and every problem by its field.
import { useSignal } from "@preact/signals";
import type { InboundMappingPreview } from "../../../packages/contracts/src/webhooks-inbound.ts";
import { errorMessage } from "../api/client.ts";
import { previewBody, type RouteForm } from "../stores/webhooks-forms.ts";
import type { WebhooksStore } from "../stores/webhooks.ts";
import { AlertMessage, Field } from "../ui/fields.tsx";

export function WebhooksRoutePreview({ store, form }: { store: WebhooksStore; form: RouteForm }) {
  const sample = useSignal("");
  const result = useSignal<InboundMappingPreview | null>(null);
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const run = async () => {
    error.value = null;
    result.value = null;
    const checked = previewBody(form, sample.value);
    if (!checked.ok) {
      error.value = Object.entries(checked.fields)
        .map(([k, m]) => (k === "sample" ? m : `${k}: ${m}`))
        .join("; ");
      return;
    }
    busy.value = true;
    try {
      result.value = await store.preview(checked.body);
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  };
  const r = result.value;
  return (
    <fieldset class="route-preview" data-section="preview">
      <legend>Preview against a sample payload</legend>
      <Field label="Sample payload (JSON)" hint="Paste a request body your system sends; nothing is started.">
        <textarea rows={8} value={sample.value} placeholder={'{ "contact": { "phone": "+14155550100", "name": "Ada" } }'} onInput={(e) => (sample.value = e.currentTarget.value)} />
      </Field>
      <div class="row">
        <button type="button" class="secondary" disabled={busy.value} onClick={() => void run()}>
          {busy.value ? "Resolving…" : "Preview mapping"}
        </button>
      </div>
      <AlertMessage message={error.value} />
      {r && (
        <div class={`preview-result ${r.ok ? "ok" : "problems"}`} role="status" data-preview-ok={String(r.ok)}>
          <p>
            <span class={`badge ${r.ok ? "ok" : "danger"}`}>{r.ok ? "Resolves" : `${r.problems.length} ${r.problems.length === 1 ? "problem" : "problems"}`}</span>{" "}
            {r.ok ? "A request with this body would be accepted." : "A request with this body would be refused (422)."}
          </p>
          <table class="headers">
            <caption class="visually-hidden">Resolved values</caption>
            <tbody>
              {form.action !== "dispatch" && (
                <tr data-resolved="phoneNumber">
                  <th scope="row">Phone number</th>
                  <td>{r.phoneNumber ?? <span class="muted">—</span>}</td>
                </tr>
              )}
              {Object.entries(r.variables).map(([k, v]) => (
                <tr key={k} data-resolved={`variables.${k}`}>
                  <th scope="row">{`{{${k}}}`}</th>
                  <td>
                    <code>{JSON.stringify(v)}</code>
                  </td>
                </tr>
              ))}
              <tr data-resolved="idempotencyKey">
                <th scope="row">Idempotency key</th>
                <td>{r.idempotencyKey ?? <span class="muted">— (from the webhook-id or Idempotency-Key header, else none)</span>}</td>
              </tr>
            </tbody>
          </table>
          {r.problems.length > 0 && (
            <ul class="problems" data-problems>
              {r.problems.map((p, i) => (
                <li key={i} class="error">
                  <code>{p.field}</code>: {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </fieldset>
  );
}
