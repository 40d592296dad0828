// One connection on the Telephony page, as a card: its provider's settings (Twilio's account and
// credentials, VoxImplant's application, rule, encoding and key, LiveKit SIP's trunks and numbers
// with how their sync at LiveKit went), "Check connection" with each check's result, and for
// Owners the provider's edit form, the VoxImplant scenario panel and Delete.
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import type { TelephonyConnection } from "../../../packages/contracts/src/telephony.ts";
import type { ConnectionChecks } from "../stores/telephony-checks.ts";
import { encodingLabels, providerLabels, sipStatusWords, toneClass, transportLabels } from "../stores/telephony-labels.ts";
import type { TelephonyStore } from "../stores/telephony.ts";
import { formatDate } from "../ui/forms.ts";
import { LiveKitSipConnectionForm, VoximplantConnectionForm } from "./TelephonyProviderForms.tsx";
import { ScenarioPanel } from "./TelephonyScenario.tsx";
import { EditTwilioForm } from "./TelephonyTwilioForms.tsx";

type Props = { store: TelephonyStore; checks: ConnectionChecks; connection: TelephonyConnection; can: boolean; onDelete: () => void };

function Row({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** `a`, `b`, `c` as code, separated by commas. */
function Codes({ items }: { items: string[] }) {
  return (
    <>
      {items.map((item, i) => (
        <span key={item}>
          {i > 0 && ", "}
          <code>{item}</code>
        </span>
      ))}
    </>
  );
}

const credentialsName: Record<TelephonyConnection["authType"], string> = { auth_token: "Auth Token", api_key: "API key", service_account: "Service account key", sip: "SIP" };

function Settings({ c }: { c: TelephonyConnection }) {
  const v = c.voximplant;
  const sip = c.livekitSip;
  return (
    <dl class="settings">
      {c.provider !== "livekit_sip" && (
        <Row term={c.provider === "twilio" ? "Account SID" : "Account id"}>
          <code>{c.accountId}</code>
        </Row>
      )}
      {c.provider !== "livekit_sip" && (
        <Row term="Credentials">
          {credentialsName[c.authType]} <code>{c.secretHint}</code>
        </Row>
      )}
      {v && (
        <>
          <Row term="Application id">
            <code>{v.applicationId}</code>
          </Row>
          <Row term="Rule id">
            <code>{v.ruleId}</code>
          </Row>
          <Row term="Audio encoding">{encodingLabels[v.encoding]}</Row>
          <Row term="Key id">
            <code>{v.keyId}</code>
          </Row>
        </>
      )}
      {sip && (
        <>
          <Row term="Outbound trunk">
            <code>{sip.outbound.address}</code> over {transportLabels[sip.outbound.transport]}
            {sip.outbound.authUsername ? (
              <>
                , as <code>{sip.outbound.authUsername}</code>
              </>
            ) : (
              ", no credentials"
            )}
          </Row>
          <Row term="Inbound from">
            {sip.inbound.allowedAddresses.length > 0 ? <Codes items={sip.inbound.allowedAddresses} /> : <span class="muted">no address listed</span>}
            {sip.inbound.authUsername ? (
              <>
                ; as <code>{sip.inbound.authUsername}</code>
              </>
            ) : null}
          </Row>
          <Row term="Trunk numbers">
            <Codes items={sip.numbers} />
          </Row>
        </>
      )}
      <Row term="Imported numbers">{c.numberCount}</Row>
      <Row term="Updated">{formatDate(c.updatedAt)}</Row>
    </dl>
  );
}

/** The LiveKit side: synced, pending, failed (with why) or off (no LiveKit in this deployment). */
function SyncStatus({ c }: { c: TelephonyConnection }) {
  const sync = c.livekitSip?.sync;
  if (!sync) return null;
  const words = sipStatusWords(sync.status, sync.detail);
  return (
    <p class="sync" data-sync={sync.status}>
      LiveKit: <span class={toneClass(words.tone)}>{words.text}</span>
      {words.detail && <span class={sync.status === "failed" ? "error" : "muted"}> {words.detail}</span>}
      {sync.syncedAt && <span class="muted"> · last synced {formatDate(sync.syncedAt)}</span>}
      {sync.inboundTrunkId && (
        <span class="muted">
          {" "}
          · trunks <code>{sync.inboundTrunkId}</code>
          {sync.outboundTrunkId && (
            <>
              {" "}
              <code>{sync.outboundTrunkId}</code>
            </>
          )}
        </span>
      )}
    </p>
  );
}

function HealthResult({ checks, connectionId }: { checks: ConnectionChecks; connectionId: string }) {
  const state = checks.health.value[connectionId];
  if (!state) return null;
  if (state.status === "checking") return <p class="muted" role="status">Checking…</p>;
  if (state.status === "error") return <p class="error">The check could not run: {state.message}</p>;
  const h = state.health;
  return (
    <div class="health" role="status" data-health={h.ok ? "ok" : "failed"}>
      <p>
        <span class={h.ok ? "badge ok" : "badge danger"}>{h.ok ? "All checks passed" : "Some checks failed"}</span> <span class="muted">at {formatDate(h.checkedAt)}</span>
      </p>
      <ul>
        {h.checks.map((check, i) => (
          <li key={i} data-check={check.ok ? "ok" : "failed"}>
            <span class={check.ok ? "badge ok" : "badge danger"}>{check.ok ? "ok" : "failed"}</span> <strong>{check.name}</strong> <span class={check.ok ? "muted" : "error"}>{check.detail}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ConnectionCard({ store, checks, connection: c, can, onDelete }: Props) {
  const panel = useSignal<"edit" | "scenario" | null>(null);
  const close = () => (panel.value = null);
  const checking = checks.health.value[c.id]?.status === "checking";
  return (
    <article class="connection-card stack" data-connection={c.id} data-provider={c.provider} aria-label={`${c.name} (${providerLabels[c.provider]})`}>
      <div class="row">
        <h3>{c.name}</h3>
        <span class="badge">{providerLabels[c.provider]}</span>
        <span class="spacer" />
        <button type="button" class="secondary" disabled={checking} onClick={() => void checks.checkHealth(c.id)}>
          {checking ? "Checking…" : "Check connection"}
        </button>
        {can && panel.value === null && (
          <>
            <button type="button" class="link" onClick={() => (panel.value = "edit")}>
              {c.provider === "twilio" ? "Rename or rotate" : "Edit"}
            </button>
            {c.provider === "voximplant" && (
              <button type="button" class="link" onClick={() => (panel.value = "scenario")}>
                Scenario
              </button>
            )}
            <button type="button" class="link danger" onClick={onDelete}>
              Delete
            </button>
          </>
        )}
      </div>
      <Settings c={c} />
      <SyncStatus c={c} />
      <HealthResult checks={checks} connectionId={c.id} />
      {panel.value === "edit" && c.provider === "twilio" && <EditTwilioForm store={store} connection={c} onDone={close} />}
      {panel.value === "edit" && c.provider === "voximplant" && <VoximplantConnectionForm store={store} mode={{ kind: "edit", connection: c }} onDone={close} />}
      {panel.value === "edit" && c.provider === "livekit_sip" && <LiveKitSipConnectionForm store={store} mode={{ kind: "edit", connection: c }} onDone={close} />}
      {panel.value === "scenario" && <ScenarioPanel connection={c} checks={checks} onClose={close} />}
    </article>
  );
}
