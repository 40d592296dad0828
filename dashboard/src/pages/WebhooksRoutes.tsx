// The Inbound routes tab: each route with the URL it receives at, how requests are verified, what
// they start and the mapping. Owners add one and edit one in place (WebhooksRouteForm.tsx), pause /
// resume it (a paused route answers 409 and logs the refusal) and delete it.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { InboundRoute } from "../../../packages/contracts/src/webhooks-inbound.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import type { WebhooksStore } from "../stores/webhooks.ts";
import { secretHintText } from "../stores/webhooks-view.ts";
import { CopyButton } from "../ui/fields.tsx";
import { formatDate } from "../ui/forms.ts";
import { ProblemNotice } from "../ui/ProblemNotice.tsx";
import { WebhooksRouteForm } from "./WebhooksRouteForm.tsx";

const actionWords: Record<InboundRoute["action"], string> = { call: "Call", campaign_item: "Campaign contact", dispatch: "Web session" };

/** How a route checks its requests, in words. */
export function verificationWords(v: InboundRoute["verification"]): string {
  if (v.method === "standard_webhooks") return "Standard Webhooks signature";
  if (v.method === "bearer") return "Bearer secret";
  return `HMAC-${v.algorithm.toUpperCase()} (${v.encoding}) in ${v.header}${v.prefix ? `, prefix "${v.prefix}"` : ""}`;
}

export function WebhooksRoutes({ store, spaceId, can }: { store: WebhooksStore; spaceId: string; can: boolean }) {
  const { agents } = useStores();
  const adding = useSignal(false);
  const error = useSignal<string | null>(null);
  // Cards name each route's agent; without the list they show its id.
  useEffect(() => {
    if (agents.spaceId.value !== spaceId || agents.agents.value.length === 0) agents.load(spaceId).catch(() => {});
  }, [spaceId]);
  const agentName = (id: string) => (agents.spaceId.value === spaceId ? agents.agents.value.find((a) => a.id === id)?.name : undefined) ?? id;
  const list = store.spaceId.value === spaceId ? store.routes.value : [];
  const problem = store.routesProblem.value;
  const act = (what: Promise<unknown>) => {
    error.value = null;
    what.catch((err: unknown) => (error.value = errorMessage(err)));
  };
  const remove = (r: InboundRoute) => {
    if (!confirm(`Delete the route "${r.name}"? Requests to its URL are refused from now on.`)) return;
    act(store.deleteRoute(r.id));
  };
  return (
    <div class="stack" data-section="routes">
      <div class="row">
        <h3>Inbound routes</h3>
        <span class="spacer" />
        {can && !adding.value && (
          <button type="button" onClick={() => (adding.value = true)}>
            Add route
          </button>
        )}
      </div>
      {adding.value && <WebhooksRouteForm store={store} spaceId={spaceId} onDone={() => (adding.value = false)} />}
      {problem && <ProblemNotice problem={problem} />}
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {list.length === 0
        ? !problem && <p class="muted">{store.loading.value ? "Loading…" : "No inbound route yet: add one to let your systems start calls."}</p>
        : list.map((r) => <RouteCard key={r.id} store={store} spaceId={spaceId} route={r} can={can} agentName={agentName} act={act} onRemove={() => remove(r)} />)}
    </div>
  );
}

interface RouteCardProps {
  store: WebhooksStore;
  spaceId: string;
  route: InboundRoute;
  can: boolean;
  agentName: (id: string) => string;
  act: (what: Promise<unknown>) => void;
  onRemove: () => void;
}

function RouteCard({ store, spaceId, route: r, can, agentName, act, onRemove }: RouteCardProps) {
  const editing = useSignal(false);
  if (editing.value) return <WebhooksRouteForm store={store} spaceId={spaceId} route={r} onDone={() => (editing.value = false)} />;
  return (
    <article class="card route" data-route={r.name} aria-labelledby={`route-${r.id}`}>
      <div class="row">
        <h4 id={`route-${r.id}`}>{r.name}</h4>
        <span class={`badge ${r.paused ? "warn" : "ok"}`} data-route-state={r.paused ? "paused" : "active"}>
          {r.paused ? "Paused" : "Active"}
        </span>
        <span class="spacer" />
        {can && (
          <>
            <button type="button" class="secondary" onClick={() => (editing.value = true)}>
              Edit
            </button>
            <button type="button" class="secondary" onClick={() => act(store.updateRoute(r.id, { paused: !r.paused }))}>
              {r.paused ? "Resume" : "Pause"}
            </button>
            <button type="button" class="link danger" onClick={onRemove}>
              Delete
            </button>
          </>
        )}
      </div>
      {r.description && <p class="muted">{r.description}</p>}
      <div class="row route-url">
        <code>POST {r.url}</code>
        <CopyButton text={r.url} label="Copy URL" />
      </div>
      <dl class="settings">
        <dt>Verification</dt>
        <dd>
          {verificationWords(r.verification)} · secret {secretHintText(r.secretHint)}
        </dd>
        <dt>Action</dt>
        <dd>
          {actionWords[r.action]}
          {r.agentId && <span class="muted"> · agent {agentName(r.agentId)}</span>}
          {r.campaignId && <span class="muted"> · campaign {r.campaignId}</span>}
          {r.fromNumberId && <span class="muted"> · from {r.fromNumberId}</span>}
        </dd>
        <dt>Mapping</dt>
        <dd>
          {r.mapping.phoneNumber && (
            <>
              phone ← <code>{r.mapping.phoneNumber}</code>{" "}
            </>
          )}
          {Object.entries(r.mapping.variables).map(([k, p]) => (
            <span key={k}>
              {`{{${k}}}`} ← <code>{p}</code>{" "}
            </span>
          ))}
          {r.mapping.idempotencyKey && (
            <>
              key ← <code>{r.mapping.idempotencyKey}</code>
            </>
          )}
        </dd>
        <dt>Created</dt>
        <dd>{formatDate(r.createdAt)}</dd>
      </dl>
    </article>
  );
}
