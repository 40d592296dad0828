// One delivery in full: its event (the webhook-id every attempt carries), the payload as pretty
// JSON, and each attempt — what started it, when, the answer's status, latency, the request
// headers as sent (signature and custom header values redacted by the API), the response body
// (its first 4 KiB) and the error. Owners replay it from here too.
import { useSignal } from "@preact/signals";
import type { WebhookAttempt, WebhookDeliveryDetail as Detail } from "../../../packages/contracts/src/webhooks.ts";
import { errorMessage } from "../api/client.ts";
import type { DeliveriesStore } from "../stores/webhooks-lists.ts";
import { attemptResult, deliveryBadge, formatLatency, headerPairs, prettyBody, triggerLabels } from "../stores/webhooks-view.ts";
import { AlertMessage } from "../ui/fields.tsx";
import { formatDate } from "../ui/forms.ts";
import { HeadersTable } from "../ui/ListParts.tsx";
import { prettyJson } from "../ui/session-format.ts";

export function WebhooksDeliveryDetail({ store, spaceId, detail: d, endpointUrl, can }: { store: DeliveriesStore; spaceId: string; detail: Detail; endpointUrl: string; can: boolean }) {
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const badge = deliveryBadge(d, formatDate);
  const replay = async () => {
    busy.value = true;
    error.value = null;
    try {
      await store.replay(spaceId, d.id);
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  };
  // Newest attempt first: the one that matters is on top.
  const attempts = [...d.attemptLog].sort((a, b) => b.number - a.number);
  return (
    <article class="card delivery-detail" aria-labelledby="delivery-detail-title" data-delivery-detail={d.id}>
      <div class="row">
        <h3 id="delivery-detail-title">
          <code>{d.eventType}</code> to {endpointUrl}
        </h3>
        <span class={`badge ${badge.tone}`}>{badge.label}</span>
        <span class="spacer" />
        {can && d.status !== "pending" && (
          <button type="button" disabled={busy.value} onClick={() => void replay()}>
            Replay
          </button>
        )}
        <button type="button" class="link" onClick={store.close}>
          Close
        </button>
      </div>
      <AlertMessage message={error.value} />
      <dl class="meta">
        <div>
          <dt>webhook-id</dt>
          <dd>
            <code>{d.eventId}</code>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDate(d.createdAt)}</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{d.attempts}</dd>
        </div>
        <div>
          <dt>{d.status === "pending" ? "Next attempt" : "Completed"}</dt>
          <dd>{d.status === "pending" ? (d.nextAttemptAt ? formatDate(d.nextAttemptAt) : "now") : formatDate(d.completedAt)}</dd>
        </div>
      </dl>
      <h4>Payload</h4>
      <pre class="payload" data-payload tabIndex={0} aria-label="Payload">
        {prettyJson(d.payload)}
      </pre>
      <h4>Attempts</h4>
      {attempts.length === 0 ? <p class="muted">No attempt yet: the first is on its way.</p> : attempts.map((a) => <Attempt key={a.id} attempt={a} />)}
    </article>
  );
}

function Attempt({ attempt: a }: { attempt: WebhookAttempt }) {
  const body = prettyBody(a.responseBody);
  return (
    <details class={`attempt ${a.succeeded ? "ok" : "failed"}`} data-attempt={a.number} open={a.number === 1 || !a.succeeded}>
      <summary>
        <strong>#{a.number}</strong> <span class={`badge ${a.succeeded ? "ok" : "danger"}`}>{a.succeeded ? "Succeeded" : "Failed"}</span> {triggerLabels[a.trigger]} ·{" "}
        {formatDate(a.startedAt)} · <span data-attempt-result>{attemptResult(a)}</span> · {formatLatency(a.latencyMs)}
      </summary>
      <div class="attempt-body">
        {a.error && (
          <p class="error" data-attempt-error>
            {a.error}
          </p>
        )}
        <h5>Request headers</h5>
        <HeadersTable caption={`Request headers of attempt ${a.number}`} pairs={headerPairs(a.requestHeaders)} />
        <h5>Response body{a.responseBody !== null && a.responseBody.length >= 4096 ? " (first 4 KiB)" : ""}</h5>
        {body ? (
          <pre class="payload" tabIndex={0} aria-label={`Response body of attempt ${a.number}`}>
            {body}
          </pre>
        ) : (
          <p class="muted">{a.responseStatus === null ? "No answer." : "(empty)"}</p>
        )}
      </div>
    </details>
  );
}
