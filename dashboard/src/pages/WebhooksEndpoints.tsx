// The Endpoints tab: each endpoint as a card (URL, description, the event types it receives, its
// state — enabled, failing since, disabled and why —, the last success, custom header names and
// the secret's last characters). Owners add one and edit one in place (WebhooksEndpointForm.tsx),
// send a test event, rotate the secret with an overlap, disable / enable and delete.
import { useSignal } from "@preact/signals";
import type { WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";
import { errorMessage } from "../api/client.ts";
import { eventTypesSummary } from "../stores/webhooks-forms.ts";
import type { WebhooksStore } from "../stores/webhooks.ts";
import { endpointBadge, secretHintText } from "../stores/webhooks-view.ts";
import { Field, NumberInput } from "../ui/fields.tsx";
import { formatDate } from "../ui/forms.ts";
import { ProblemNotice } from "../ui/ProblemNotice.tsx";
import { WebhooksEndpointForm } from "./WebhooksEndpointForm.tsx";

export function WebhooksEndpoints({ store, spaceId, can, onDeliveries }: { store: WebhooksStore; spaceId: string; can: boolean; onDeliveries: (endpointId: string) => void }) {
  const adding = useSignal(false);
  const list = store.spaceId.value === spaceId ? store.endpoints.value : [];
  const problem = store.endpointsProblem.value;
  return (
    <div class="stack" data-section="endpoints">
      <div class="row">
        <h3>Endpoints</h3>
        <span class="spacer" />
        {can && !adding.value && (
          <button type="button" onClick={() => (adding.value = true)}>
            Add endpoint
          </button>
        )}
      </div>
      {adding.value && <WebhooksEndpointForm store={store} onDone={() => (adding.value = false)} />}
      {problem && <ProblemNotice problem={problem} />}
      {list.length === 0
        ? !problem && <p class="muted">{store.loading.value ? "Loading…" : "No endpoint yet: add one to receive this space's events."}</p>
        : list.map((e) => <EndpointCard key={e.id} store={store} endpoint={e} can={can} onDeliveries={() => onDeliveries(e.id)} />)}
    </div>
  );
}

function EndpointCard({ store, endpoint: e, can, onDeliveries }: { store: WebhooksStore; endpoint: WebhookEndpoint; can: boolean; onDeliveries: () => void }) {
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const notice = useSignal<string | null>(null);
  const rotating = useSignal(false);
  const editing = useSignal(false);
  const badge = endpointBadge(e, formatDate);
  const act = async (what: () => Promise<unknown>, done?: string) => {
    busy.value = true;
    error.value = null;
    notice.value = null;
    try {
      await what();
      if (done) notice.value = done;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  };
  const remove = () => {
    if (!confirm(`Delete the endpoint ${e.url}? It receives nothing more, and its delivery history goes with it.`)) return;
    void act(() => store.deleteEndpoint(e.id));
  };
  const toggle = () => {
    if (e.enabled && !confirm(`Disable ${e.url}? It receives no events until enabled again; events in between are not sent later (replay them).`)) return;
    void act(() => store.updateEndpoint(e.id, { enabled: !e.enabled }), e.enabled ? "Disabled." : "Enabled again. Replay the deliveries it missed from the Deliveries tab.");
  };
  const test = () => void act(() => store.sendTest(e.id), "Test event sent: see it on the Deliveries tab.");
  if (editing.value) return <WebhooksEndpointForm store={store} endpoint={e} onDone={() => (editing.value = false)} />;
  return (
    <article class="card endpoint" data-endpoint={e.id} aria-labelledby={`endpoint-${e.id}`}>
      <div class="row">
        <h4 id={`endpoint-${e.id}`} class="endpoint-url">
          {e.url}
        </h4>
        <span class={`badge ${badge.tone}`} data-endpoint-state={e.enabled ? (e.failingSince ? "failing" : "enabled") : `disabled-${e.disabledReason ?? "manual"}`} title={badge.detail ?? undefined}>
          {badge.label}
        </span>
      </div>
      {e.description && <p class="muted">{e.description}</p>}
      <dl class="settings">
        <dt>Events</dt>
        <dd data-event-types>{eventTypesSummary(e.eventTypes)}</dd>
        <dt>State</dt>
        <dd>{badge.detail ?? "Receiving events"}{!e.enabled && e.disabledAt ? ` (${formatDate(e.disabledAt)})` : ""}</dd>
        <dt>Last success</dt>
        <dd data-last-success>{formatDate(e.lastSuccessAt)}</dd>
        {e.failingSince && (
          <>
            <dt>Failing since</dt>
            <dd>{formatDate(e.failingSince)}</dd>
          </>
        )}
        <dt>Signing secret</dt>
        <dd>
          <code>{secretHintText(e.secretHint, "whsec_")}</code>
          {e.previousSecretExpiresAt && <span class="muted"> · the previous secret also signs until {formatDate(e.previousSecretExpiresAt)}</span>}
        </dd>
        {e.headerNames.length > 0 && (
          <>
            <dt>Custom headers</dt>
            <dd>{e.headerNames.join(", ")} <span class="muted">(values hidden)</span></dd>
          </>
        )}
      </dl>
      <div class="row actions">
        <button type="button" class="secondary" onClick={onDeliveries}>
          Deliveries
        </button>
        {can && (
          <>
            <button type="button" class="secondary" disabled={busy.value} onClick={() => (editing.value = true)}>
              Edit
            </button>
            <button type="button" disabled={busy.value || !e.enabled} onClick={test} title={e.enabled ? undefined : "Enable the endpoint to send it a test event"}>
              Send test event
            </button>
            <button type="button" class="secondary" disabled={busy.value} onClick={() => (rotating.value = !rotating.value)} aria-expanded={rotating.value}>
              Rotate secret
            </button>
            <button type="button" class="secondary" disabled={busy.value} onClick={toggle}>
              {e.enabled ? "Disable" : "Enable"}
            </button>
            <span class="spacer" />
            <button type="button" class="link danger" disabled={busy.value} onClick={remove}>
              Delete
            </button>
          </>
        )}
      </div>
      {rotating.value && <RotateForm onRotate={(hours) => act(() => store.rotateSecret(e.id, hours)).then(() => !error.value && (rotating.value = false))} busy={busy.value} />}
      {notice.value && (
        <p class="done" role="status">
          {notice.value}
        </p>
      )}
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
    </article>
  );
}

function RotateForm({ onRotate, busy }: { onRotate: (overlapHours: number) => void; busy: boolean }) {
  const hours = useSignal<number | null>(24);
  const valid = hours.value !== null && Number.isInteger(hours.value) && hours.value >= 0 && hours.value <= 168;
  return (
    <form
      class="rotate row"
      aria-label="Rotate secret"
      onSubmit={(ev) => {
        ev.preventDefault();
        if (valid && hours.value !== null) onRotate(hours.value);
      }}
    >
      <Field label="Keep signing with the old secret for (hours)" error={valid ? undefined : "must be a whole number from 0 to 168"} hint="0 stops the old secret at once; while both sign, each delivery carries two signatures.">
        <NumberInput value={hours.value} onValue={(n) => (hours.value = n)} min={0} max={168} step={1} />
      </Field>
      <button type="submit" disabled={busy || !valid}>
        Rotate now
      </button>
    </form>
  );
}
