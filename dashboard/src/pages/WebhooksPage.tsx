// A space's webhooks (/app/spaces/:spaceId/webhooks), in four tabs: the endpoints events are
// delivered to (WebhooksEndpoints.tsx), the deliveries with each attempt and replay
// (WebhooksDeliveries.tsx), the inbound routes that turn a request into a call, a campaign
// contact or a web session (WebhooksRoutes.tsx), and the inbound log of every provider and route
// request (WebhooksInboundLog.tsx). Every member reads all four; Owners create, change, test,
// rotate, replay and delete. A secret answered by create or rotate is shown here once.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { createWebhooksStore, type WebhooksStore } from "../stores/webhooks.ts";
import { createDeliveriesStore, createInboundLogStore, noDeliveryFilters, type DeliveryFilters } from "../stores/webhooks-lists.ts";
import { CopyButton } from "../ui/fields.tsx";
import { Tabs } from "../ui/Tabs.tsx";
import "../ui/sessions.css";
import "../ui/webhooks.css";
import { WebhooksDeliveries } from "./WebhooksDeliveries.tsx";
import { WebhooksEndpoints } from "./WebhooksEndpoints.tsx";
import { WebhooksInboundLog } from "./WebhooksInboundLog.tsx";
import { WebhooksRoutes } from "./WebhooksRoutes.tsx";

type Tab = "endpoints" | "deliveries" | "routes" | "log";
const tabs: { id: Tab; label: string }[] = [
  { id: "endpoints", label: "Endpoints" },
  { id: "deliveries", label: "Deliveries" },
  { id: "routes", label: "Inbound routes" },
  { id: "log", label: "Inbound log" },
];

export default function WebhooksPage({ space }: { space: Space }) {
  const { api } = useStores();
  const store = useMemo(() => createWebhooksStore(api), [api]);
  const deliveries = useMemo(() => createDeliveriesStore(api), [api]);
  const log = useMemo(() => createInboundLogStore(api), [api]);
  const can = permissionsFor(space.role).manageWebhooks;
  const tab = useSignal<Tab>("endpoints");
  // Filters chosen from elsewhere on the page ("Deliveries" of one endpoint) open that tab filtered.
  const deliveryFilters = useSignal<DeliveryFilters>(noDeliveryFilters);
  useEffect(() => void store.load(space.id), [space.id]);

  const showDeliveries = (endpointId: string) => {
    deliveryFilters.value = { ...noDeliveryFilters, endpointId };
    tab.value = "deliveries";
  };
  return (
    <section class="webhooks">
      <div class="row">
        <h1>Webhooks</h1>
        <span class="spacer" />
        <button type="button" class="link" onClick={() => void store.load(space.id)}>
          Refresh
        </button>
      </div>
      <p class="muted">
        Endpoints receive this space's events (sessions, calls, campaigns, billing), signed with the Standard Webhooks scheme and retried for about three days. Inbound routes
        receive your systems' requests and start a call, add a campaign contact or open a web session.
      </p>
      {!can && (
        <p class="muted card" data-member-notice>
          Only the space's Owners add, change, test and delete endpoints and routes or replay deliveries.
        </p>
      )}
      <SecretNotice store={store} />
      <Tabs idPrefix="webhooks" label="Webhooks" tabs={tabs} selected={tab.value} onSelect={(t) => (tab.value = t)}>
        {tab.value === "endpoints" && <WebhooksEndpoints store={store} spaceId={space.id} can={can} onDeliveries={showDeliveries} />}
        {tab.value === "deliveries" && <WebhooksDeliveries store={deliveries} endpoints={store.endpoints.value} spaceId={space.id} can={can} filters={deliveryFilters} />}
        {tab.value === "routes" && <WebhooksRoutes store={store} spaceId={space.id} can={can} />}
        {tab.value === "log" && <WebhooksInboundLog store={log} routes={store.routes.value} spaceId={space.id} />}
      </Tabs>
    </section>
  );
}

/** The secret create or rotate answered, until the Owner says it is stored: it is never shown again. */
function SecretNotice({ store }: { store: WebhooksStore }) {
  const revealed = store.revealed.value;
  if (!revealed) return null;
  const what = revealed.kind === "endpoint" ? "signing secret" : "route secret";
  return (
    <div class="card secret" role="alert" data-secret={revealed.kind}>
      <p>
        <strong>{revealed.reason === "rotated" ? `New ${what}` : `The ${what}`}</strong> of <code class="inline">{revealed.label}</code>: copy it now.{" "}
        <strong>You will not see it again.</strong>
      </p>
      <code data-secret-value>{revealed.secret}</code>
      <p class="muted small">
        {revealed.kind === "endpoint"
          ? "Verify each delivery's webhook-signature with it (any Standard Webhooks library does)."
          : "Your sender signs its requests with it (or sends it as the bearer token)."}
      </p>
      <div class="row">
        <CopyButton text={revealed.secret} label="Copy secret" />
        <button type="button" class="link" onClick={store.dismiss}>
          I have stored it
        </button>
      </div>
    </div>
  );
}
