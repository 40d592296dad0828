// The agent editor's Phone tab: what an outbound call does on an answering machine (hang up, or
// leave a message rendered with {{variables}}), the people transfer_to_number may hand the caller
// to, send_dtmf on/off (the same system-tool items the Tools tab toggles), and "Call me": the agent
// calls a number typed here from one of the space's numbers, with the call's live events and a
// link to its session.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { TransferDestination } from "../../../packages/contracts/src/phone-settings.ts";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import { sessionPath, spacePath } from "../router.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { useStores } from "../stores/index.ts";
import {
  createCallMeStore,
  destinationWarning,
  isLocalApi,
  loadPhonePolicy,
  newDestination,
  normalisePhoneInput,
  phoneToolsOf,
  withDestinations,
  withSystemTool,
  type CallMeStore,
  type PhonePolicy,
} from "../stores/phone-tab.ts";
import { isTerminal } from "../stores/sessions-live.ts";
import { createTelephonyStore } from "../stores/telephony.ts";
import { initialVariableInputs, typedVariables, type VariableInput, type VariableInputs } from "../stores/test-call.ts";
import { Field } from "../ui/fields.tsx";
import "../ui/telephony.css";
import { PromptInput } from "./AgentEditorTabs.tsx";
import { VariableField } from "./AgentTestCall.tsx";

type Props = { store: AgentEditorStore };
const maxDestinations = 20;

export function PhoneTab({ store }: Props) {
  const d = store.draft.value;
  if (!d) return null;
  const err = (key: string) => store.fields.value[key];
  const voicemail = d.telephony.voicemail;
  const { transferIndex, destinations, dtmfIndex } = phoneToolsOf(d.tools);
  const declare = (name: string) => store.edit((x) => void (x.variables.properties[name] = { type: "string" }));
  const setDestinations = (fn: (list: TransferDestination[]) => TransferDestination[]) => store.edit((x) => void (x.tools = withDestinations(x.tools, fn(phoneToolsOf(x.tools).destinations))));
  const setDestination = (j: number, patch: Partial<TransferDestination>) => setDestinations((list) => list.map((t, k) => (k === j ? { ...t, ...patch } : t)));
  const destErr = (j: number, key: string) => err(`tools.${transferIndex}.destinations.${j}.${key}`);
  return (
    <div class="stack phone-tab">
      <h3>Voicemail</h3>
      <p class="muted">When an answering machine picks up a call this agent places.</p>
      <div class="row" role="radiogroup" aria-label="Voicemail policy">
        <label class="check">
          <input type="radio" name="voicemail" checked={voicemail.action === "hang_up"} onChange={() => store.edit((x) => void (x.telephony.voicemail.action = "hang_up"))} />
          Hang up
        </label>
        <label class="check">
          <input type="radio" name="voicemail" checked={voicemail.action === "leave_message"} onChange={() => store.edit((x) => void (x.telephony.voicemail.action = "leave_message"))} />
          Wait for the beep and leave a message
        </label>
      </div>
      {voicemail.action === "leave_message" && (
        <Field label="Message" error={err("telephony.voicemail.message")} hint="Said after the beep; {{variables}} are filled from the call's variables.">
          <PromptInput value={voicemail.message} variables={d.variables} onValue={(v) => store.edit((x) => void (x.telephony.voicemail.message = v))} onDeclare={declare} rows={3} />
        </Field>
      )}
      {voicemail.action === "leave_message" && voicemail.message.trim() === "" && <p class="warn-text">The message is empty: nothing would be said after the beep.</p>}

      <h3>Transfer to a person</h3>
      <label class="check">
        <input type="checkbox" checked={transferIndex >= 0} onChange={(e) => store.edit((x) => void (x.tools = withSystemTool(x.tools, "transfer_to_number", e.currentTarget.checked)))} />
        <code>transfer_to_number</code> <span class="muted">The agent hands the caller to one of these numbers and leaves the call (phone calls only).</span>
      </label>
      {transferIndex >= 0 && (
        <div class="card stack">
          {err(`tools.${transferIndex}`) && <p class="error">{err(`tools.${transferIndex}`)}</p>}
          {err(`tools.${transferIndex}.destinations`) && <p class="error">{err(`tools.${transferIndex}.destinations`)}</p>}
          {destinations.length === 0 && <p class="warn-text">No destination yet: the agent has no one to transfer to.</p>}
          {destinations.map((t, j) => (
            <div key={j} class="destination" data-destination={j}>
              <Field label="Name" error={destErr(j, "name")} hint="How the agent names it">
                <input value={t.name} maxLength={60} placeholder="billing desk" onInput={(e) => setDestination(j, { name: e.currentTarget.value })} />
              </Field>
              <Field label="Number" error={destErr(j, "number")} hint="With its country code">
                <input
                  value={t.number}
                  type="tel"
                  placeholder="+14155550123"
                  onInput={(e) => setDestination(j, { number: e.currentTarget.value })}
                  onBlur={(e) => setDestination(j, { number: normalisePhoneInput(e.currentTarget.value) })}
                />
              </Field>
              <Field label="When" error={destErr(j, "when")}>
                <input value={t.when} maxLength={500} placeholder="The caller asks about an invoice" onInput={(e) => setDestination(j, { when: e.currentTarget.value })} />
              </Field>
              <div class="wide">
                <Field label="Announcement" error={destErr(j, "announcement")} hint="Said to the caller before the transfer; empty says nothing.">
                  <PromptInput value={t.announcement} variables={d.variables} onValue={(v) => setDestination(j, { announcement: v })} onDeclare={declare} rows={2} />
                </Field>
              </div>
              <button type="button" class="link danger" onClick={() => setDestinations((list) => list.filter((_, k) => k !== j))}>
                Remove this destination
              </button>
            </div>
          ))}
          {destinations.length < maxDestinations && (
            <button type="button" class="link" onClick={() => setDestinations((list) => [...list, newDestination()])}>
              Add a destination
            </button>
          )}
        </div>
      )}

      <h3>Keypad</h3>
      <label class="check">
        <input type="checkbox" checked={dtmfIndex >= 0} onChange={(e) => store.edit((x) => void (x.tools = withSystemTool(x.tools, "send_dtmf", e.currentTarget.checked)))} />
        <code>send_dtmf</code> <span class="muted">The agent may press keys (DTMF tones), for example to get through a phone menu.</span>
      </label>
      {dtmfIndex >= 0 && err(`tools.${dtmfIndex}`) && <p class="error">{err(`tools.${dtmfIndex}`)}</p>}

      <CallMe store={store} />
    </div>
  );
}

function CallMe({ store }: Props) {
  const { api, config, sessions } = useStores();
  const agent = store.agent.value;
  const spaceId = agent?.spaceId ?? "";
  const numbers = useMemo(() => createTelephonyStore(api), [api]);
  const call: CallMeStore = useMemo(() => createCallMeStore({ api, agentId: store.agentId }), [store.agentId]);
  const to = useSignal("");
  const fromNumberId = useSignal("");
  // The saved agent's variables (the call runs the published version, or the saved draft).
  const schema: VariablesSchema = agent?.variables ?? { type: "object", properties: {}, required: [] };
  const inputs = useSignal<VariableInputs>(initialVariableInputs(schema));
  const typed = typedVariables(schema, inputs.value);
  const variablesValid = Object.keys(typed.errors).length === 0;
  const setInput = (name: string, next: Partial<VariableInput>) => {
    const current = inputs.value[name] ?? { text: "", isNull: false };
    inputs.value = { ...inputs.value, [name]: { ...current, ...next } };
  };
  // For the destination-country hint only (the API checks anyway): without it, no hint.
  const phone = useSignal<PhonePolicy | null>(null);
  useEffect(() => {
    if (spaceId) void numbers.load(spaceId, "numbers");
    loadPhonePolicy().then((m) => (phone.value = m), () => {});
  }, [spaceId]);
  useEffect(() => () => call.stop(), [call]);
  const list = numbers.numbers.value;
  // The number bound to this agent first: calling from it is what callers will see.
  const ordered = [...list.filter((n) => n.agentId === store.agentId), ...list.filter((n) => n.agentId !== store.agentId)];
  const chosen = fromNumberId.value || ordered[0]?.id || "";
  const from = list.find((n) => n.id === chosen);
  const warning = phone.value ? destinationWarning(phone.value, to.value, from) : null;
  const placed = call.call.value;
  const status = call.live.status.value;
  const live = placed !== null && !isTerminal(status);
  const place = async () => {
    const result = await call.place({ to: to.value, fromNumberId: chosen, variables: typed.values });
    // The session page then follows the same live events with this URL.
    if (result) sessions.detail.rememberEventsUrl(result.sessionId, result.eventsUrl);
  };
  if (!agent) return null;
  return (
    <section class="card stack call-me" aria-label="Call me" data-call-me="">
      <strong>Call me</strong>
      <p class="muted">
        The agent calls the number you type, from one of this space's numbers.{" "}
        {agent.published ? `The call uses published v${agent.publishedVersion}` : "The agent is not published: the call uses the saved draft"}
        {store.dirty.value ? ", not your unsaved changes." : "."}
      </p>
      {isLocalApi(config.apiBase, config.origin) && (
        <p class="muted" data-simulator-hint="">
          This dashboard talks to a local API: in the embedded default (<code>npm run dev</code>) the call goes to the Twilio simulator, not a real phone.
        </p>
      )}
      {numbers.numbersError.value && <p class="error">Could not load the space's numbers: {numbers.numbersError.value}</p>}
      {!numbers.loading.value && !numbers.numbersError.value && list.length === 0 && (
        <p class="muted">
          This space has no phone number yet: import one on the <a href={spacePath(spaceId, "telephony")}>Telephony page</a>.
        </p>
      )}
      <div class="grid">
        <Field label="Your phone number" error={call.fields.value["to"]}>
          <input type="tel" value={to.value} placeholder="+14155550123" onInput={(e) => (to.value = e.currentTarget.value)} onBlur={(e) => (to.value = normalisePhoneInput(e.currentTarget.value))} />
        </Field>
        <Field label="Call from" error={call.fields.value["fromNumberId"]}>
          <select value={chosen} onChange={(e) => (fromNumberId.value = e.currentTarget.value)} disabled={list.length === 0}>
            {ordered.map((n) => (
              <option key={n.id} value={n.id}>
                {n.e164}
                {n.friendlyName ? ` (${n.friendlyName})` : ""}
                {n.agentId === store.agentId ? " — this agent's number" : ""}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {Object.entries(schema.properties).map(([name, spec]) => (
        <VariableField key={name} name={name} spec={spec} required={schema.required.includes(name)} input={inputs.value[name]} error={typed.errors[name] ?? call.fields.value[`variables.${name}`]} onInput={(next) => setInput(name, next)} />
      ))}
      {warning && <p class="warn-text">{warning}</p>}
      {call.message.value && <p class="error">{call.message.value}</p>}
      <div class="row">
        <button type="button" onClick={() => void place()} disabled={call.calling.value || live || !chosen || !variablesValid}>
          {call.calling.value ? "Calling…" : "Call me"}
        </button>
        {live && (
          <button type="button" class="danger-outline" onClick={() => void call.hangUp()}>
            Hang up
          </button>
        )}
      </div>
      {placed && <LiveCall store={call} spaceId={spaceId} />}
    </section>
  );
}

function LiveCall({ store, spaceId }: { store: CallMeStore; spaceId: string }) {
  const placed = store.call.value;
  if (!placed) return null;
  const status = store.live.status.value;
  const turns = store.live.turns.value;
  return (
    <div class="stack" data-call-session={placed.sessionId} data-call-status={status ?? ""}>
      <p role="status">
        Call to <code>{placed.to}</code>: <strong>{status ?? "…"}</strong>
        {store.live.failureReason.value ? ` — ${store.live.failureReason.value}` : ""}
        {!isTerminal(status) && <span class="muted">{store.connected.value ? " (live)" : " (connecting to the live events…)"}</span>}
      </p>
      {turns.length === 0 ? (
        <p class="muted">{isTerminal(status) ? "Nothing was said." : "Waiting for the first words…"}</p>
      ) : (
        <ul class="transcript">
          {turns.map((t) => (
            <li key={t.turnId} class={`${t.role}${t.final ? "" : " partial"}`}>
              <strong>{t.role === "agent" ? "Agent" : "Caller"}:</strong> {t.text}
            </li>
          ))}
        </ul>
      )}
      <a href={sessionPath(spaceId, placed.sessionId)}>Open this session</a>
    </div>
  );
}
