// The Telephony page's numbers: the space's imported numbers with their settings (bound agent,
// inbound and recording on/off, concurrent-call limit, allowed destination countries, caller name),
// an edit panel per number, "Release" (the provider gets the number's previous webhooks back) and
// the "Import numbers" dialog (TelephonyImport.tsx). Owners change them; members read. When a
// number's calls go through LiveKit SIP, a column says how its dispatch rule's sync went.
import { useSignal } from "@preact/signals";
import type { PhoneNumber } from "../../../packages/contracts/src/telephony.ts";
import { errorMessage } from "../api/client.ts";
import { agentPath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { numberFormOf, type NumberForm, type TelephonyStore } from "../stores/telephony.ts";
import { releaseEffect, sipStatusWords, toneClass } from "../stores/telephony-labels.ts";
import { Field, NumberInput } from "../ui/fields.tsx";
import type { FieldErrors } from "../ui/forms.ts";
import { ImportDialog } from "./TelephonyImport.tsx";

type Props = { store: TelephonyStore; spaceId: string; can: boolean };

const onOff = (on: boolean) => <span class={on ? "badge ok" : "badge"}>{on ? "on" : "off"}</span>;
const countries = (list: string[]) => (list.includes("*") ? "any" : list.length === 0 ? "none" : list.join(", "));

/** A number's LiveKit SIP dispatch rule: nothing when its calls do not go through LiveKit SIP. */
function SipCell({ sip }: { sip: PhoneNumber["sip"] }) {
  if (!sip) return null;
  const words = sipStatusWords(sip.status, sip.detail);
  return (
    <span class="sip-status" data-sip={sip.status}>
      <span class={toneClass(words.tone)}>{words.text}</span>
      {words.detail && <small class={sip.status === "failed" ? "error" : "muted"}> {words.detail}</small>}
    </span>
  );
}

export function NumbersSection({ store, spaceId, can }: Props) {
  const { agents } = useStores();
  const editing = useSignal<string | null>(null);
  const importing = useSignal(false);
  const error = useSignal<string | null>(null);
  const agentName = (id: string | null) => (id ? (agents.agents.value.find((a) => a.id === id)?.name ?? id) : null);
  const release = (n: PhoneNumber) => {
    const question = `Release ${n.e164}? Calls to it stop reaching this space's agents. ${releaseEffect(n.provider)}`;
    if (!confirm(question)) return;
    error.value = null;
    store.releaseNumber(n.id).then(
      () => editing.value === n.id && (editing.value = null),
      (err: unknown) => (error.value = errorMessage(err)),
    );
  };
  const list = store.numbers.value;
  const sipColumn = list.some((n) => n.sip !== null);
  const columns = 8 + (sipColumn ? 1 : 0) + (can ? 1 : 0);
  return (
    <div class="card stack" data-section="numbers">
      <div class="row">
        <h2>Phone numbers</h2>
        <span class="spacer" />
        {can && !importing.value && (
          <button type="button" onClick={() => (importing.value = true)} disabled={store.connections.value.length === 0} title={store.connections.value.length === 0 ? "Add a connection first" : ""}>
            Import numbers
          </button>
        )}
      </div>
      {importing.value && <ImportDialog store={store} spaceId={spaceId} onClose={() => (importing.value = false)} />}
      {error.value && <p class="error">{error.value}</p>}
      {store.numbersError.value && <p class="error">Could not load the numbers: {store.numbersError.value}</p>}
      {list.length === 0 ? (
        !store.numbersError.value && <p class="muted">{store.loading.value ? "Loading…" : "No number yet: import one from a connection."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Number</th>
              <th>Friendly name</th>
              <th>Agent</th>
              <th>Inbound</th>
              <th>Recording</th>
              <th>Max calls</th>
              <th>Calls out to</th>
              <th>Caller name</th>
              {sipColumn && <th>SIP dispatch</th>}
              {can && <th><span class="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.map((n) => {
              const agent = agentName(n.agentId);
              return [
                <tr key={n.id} data-number={n.id} class={editing.value === n.id ? "selected" : ""}>
                  <td>
                    <code>{n.e164}</code>
                  </td>
                  <td>{n.friendlyName ?? ""}</td>
                  <td>{n.agentId && agent ? <a href={agentPath(spaceId, n.agentId)}>{agent}</a> : <span class="muted">none</span>}</td>
                  <td>{onOff(n.inboundEnabled)}</td>
                  <td>{onOff(n.recordingEnabled)}</td>
                  <td>{n.maxConcurrentCalls}</td>
                  <td>{countries(n.allowedCountries)}</td>
                  <td>{n.callerName ?? ""}</td>
                  {sipColumn && (
                    <td>
                      <SipCell sip={n.sip} />
                    </td>
                  )}
                  {can && (
                    <td>
                      <div class="row">
                        <button type="button" class="link" onClick={() => (editing.value = editing.value === n.id ? null : n.id)}>
                          {editing.value === n.id ? "Close" : "Edit"}
                        </button>
                        <button type="button" class="link danger" onClick={() => release(n)}>
                          Release
                        </button>
                      </div>
                    </td>
                  )}
                </tr>,
                editing.value === n.id && (
                  <tr key={`${n.id}-edit`} class="edit-row">
                    <td colSpan={columns}>
                      <NumberPanel key={n.updatedAt} store={store} number={n} onDone={() => (editing.value = null)} />
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

function NumberPanel({ store, number, onDone }: { store: TelephonyStore; number: PhoneNumber; onDone: () => void }) {
  const { agents } = useStores();
  const form = useSignal<NumberForm>(numberFormOf(number));
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const set = (patch: Partial<NumberForm>) => (form.value = { ...form.value, ...patch });
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    const result = await store.updateNumber(number, form.value);
    busy.value = false;
    if (result.ok) onDone();
    else {
      fields.value = result.fields;
      message.value = result.message;
    }
  };
  const f = form.value;
  const known = agents.agents.value;
  return (
    <form class="stack number-panel" onSubmit={submit} noValidate aria-label={`Settings of ${number.e164}`}>
      <div class="grid">
        <Field label="Agent answering its calls" error={fields.value["agentId"]} hint="None: callers hear the number is not in service">
          <select value={f.agentId} onChange={(e) => set({ agentId: e.currentTarget.value })}>
            <option value="">None</option>
            {f.agentId && !known.some((a) => a.id === f.agentId) && <option value={f.agentId}>{f.agentId}</option>}
            {known.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
                {a.published ? "" : " (not published)"}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Max concurrent calls" error={fields.value["maxConcurrentCalls"]} hint="Inbound beyond it hear busy; outbound is refused">
          <NumberInput value={f.maxConcurrentCalls} min={1} max={1000} step={1} onValue={(n) => set({ maxConcurrentCalls: n })} />
        </Field>
        <Field label="Allowed destination countries" error={fields.value["allowedCountries"]} hint="For calls out: two-letter codes (US, GB), * for any, empty for none">
          <input value={f.allowedCountries} placeholder="US, CA" onInput={(e) => set({ allowedCountries: e.currentTarget.value })} />
        </Field>
        <Field label="Caller name" error={fields.value["callerName"]} hint="Shown to the called party where the network supports it">
          <input value={f.callerName} maxLength={50} onInput={(e) => set({ callerName: e.currentTarget.value })} />
        </Field>
      </div>
      <div class="row">
        <label class="inline">
          <input type="checkbox" checked={f.inboundEnabled} onChange={(e) => set({ inboundEnabled: e.currentTarget.checked })} />
          Answer inbound calls
        </label>
        <label class="inline">
          <input type="checkbox" checked={f.recordingEnabled} onChange={(e) => set({ recordingEnabled: e.currentTarget.checked })} />
          Record calls
        </label>
      </div>
      {message.value && <p class="error">{message.value}</p>}
      <div class="row">
        <button type="submit" disabled={busy.value}>
          {busy.value ? "Saving…" : "Save"}
        </button>
        <button type="button" class="link" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
