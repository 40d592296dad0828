// A space's telephony (/app/spaces/:spaceId/telephony): its provider connections (Twilio accounts,
// VoxImplant applications, LiveKit SIP trunks) as cards (TelephonyConnectionCard.tsx), and the phone
// numbers imported from them (TelephonyNumbers.tsx). Every member sees both and may check a
// connection; Owners add a connection (choosing its provider), edit it or rotate its credentials
// (typed again, sent once, never shown: cards show a hint), delete it, and import, edit and
// release numbers.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import type { TelephonyConnection, TelephonyProviderName } from "../../../packages/contracts/src/telephony.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { createTelephonyStore, type TelephonyStore } from "../stores/telephony.ts";
import { createConnectionChecks, type ConnectionChecks } from "../stores/telephony-checks.ts";
import { providerLabels } from "../stores/telephony-labels.ts";
import "../ui/telephony.css";
import { ConnectionCard } from "./TelephonyConnectionCard.tsx";
import { NumbersSection } from "./TelephonyNumbers.tsx";
import { LiveKitSipConnectionForm, VoximplantConnectionForm } from "./TelephonyProviderForms.tsx";
import { AddTwilioForm } from "./TelephonyTwilioForms.tsx";

export default function TelephonyPage({ space }: { space: Space }) {
  const { api, agents } = useStores();
  const store = useMemo(() => createTelephonyStore(api), [api]);
  const checks = useMemo(() => createConnectionChecks(api), [api]);
  const can = permissionsFor(space.role).manageTelephony;
  const agentsError = useSignal<string | null>(null);
  useEffect(() => {
    void store.load(space.id);
    // The numbers table names the agent each number answers with.
    if (agents.spaceId.value !== space.id || agents.agents.value.length === 0) agents.load(space.id).catch((err: unknown) => (agentsError.value = errorMessage(err)));
  }, [space.id]);
  return (
    <section class="telephony">
      <h1>Telephony</h1>
      <p class="muted">
        Connect a Twilio account, a VoxImplant application or a SIP trunk through LiveKit, import its phone numbers and bind each to an agent that answers its calls. Agents
        call out from these numbers too. Credentials are stored encrypted and never shown again.
      </p>
      {!can && <p class="muted">Only Owners add connections and import, change or release numbers.</p>}
      <ConnectionsSection store={store} checks={checks} can={can} />
      {agentsError.value && <p class="error">Could not load the agents: {agentsError.value}</p>}
      <NumbersSection store={store} spaceId={space.id} can={can} />
    </section>
  );
}

const providers: TelephonyProviderName[] = ["twilio", "voximplant", "livekit_sip"];
const providerHints: Record<TelephonyProviderName, string> = {
  twilio: "An account's numbers, with calls through Media Streams",
  voximplant: "An application's numbers, with a VoxEngine scenario you upload",
  livekit_sip: "A SIP trunk of any provider, through LiveKit",
};

/** "Add connection": the provider first, then its form. */
function AddConnection({ store, onDone }: { store: TelephonyStore; onDone: () => void }) {
  const provider = useSignal<TelephonyProviderName>("twilio");
  return (
    <div class="add-connection stack">
      <fieldset class="providers">
        <legend>Provider</legend>
        {providers.map((p) => (
          <label key={p} class={`choice${provider.value === p ? " selected" : ""}`}>
            <input type="radio" name="provider" value={p} checked={provider.value === p} onChange={() => (provider.value = p)} />
            <strong>{providerLabels[p]}</strong>
            <small class="muted">{providerHints[p]}</small>
          </label>
        ))}
      </fieldset>
      {provider.value === "twilio" && <AddTwilioForm store={store} onDone={onDone} />}
      {provider.value === "voximplant" && <VoximplantConnectionForm store={store} mode={{ kind: "add" }} onDone={onDone} />}
      {provider.value === "livekit_sip" && <LiveKitSipConnectionForm store={store} mode={{ kind: "add" }} onDone={onDone} />}
    </div>
  );
}

/** What deleting leaves at the provider, for the confirmation. */
const deleteEffect: Record<TelephonyProviderName, string> = {
  twilio: "The Twilio account itself is not changed.",
  voximplant: "The VoxImplant account and its scenario are not changed.",
  livekit_sip: "Its trunks and dispatch rules are removed from LiveKit; your SIP provider is not changed.",
};

function ConnectionsSection({ store, checks, can }: { store: TelephonyStore; checks: ConnectionChecks; can: boolean }) {
  const adding = useSignal(false);
  const error = useSignal<string | null>(null);
  const remove = (c: TelephonyConnection) => {
    const numbers = c.numberCount === 1 ? "its number is" : `its ${c.numberCount} numbers are`;
    if (!confirm(`Delete the connection "${c.name}"? ${c.numberCount > 0 ? `${numbers} removed from this space too. ` : ""}${deleteEffect[c.provider]}`)) return;
    error.value = null;
    store.removeConnection(c.id).then(
      () => checks.forget(c.id),
      (err: unknown) => (error.value = errorMessage(err)),
    );
  };
  const list = store.connections.value;
  return (
    <div class="card stack" data-section="connections">
      <div class="row">
        <h2>Connections</h2>
        <span class="spacer" />
        {can && !adding.value && (
          <button type="button" onClick={() => (adding.value = true)}>
            Add connection
          </button>
        )}
      </div>
      {adding.value && <AddConnection store={store} onDone={() => (adding.value = false)} />}
      {error.value && <p class="error">{error.value}</p>}
      {store.connectionsError.value && <p class="error">Could not load the connections: {store.connectionsError.value}</p>}
      {list.length === 0
        ? !store.connectionsError.value && <p class="muted">{store.loading.value ? "Loading…" : "No connection yet: add one to import its numbers."}</p>
        : list.map((c) => <ConnectionCard key={c.id} store={store} checks={checks} connection={c} can={can} onDelete={() => remove(c)} />)}
    </div>
  );
}
