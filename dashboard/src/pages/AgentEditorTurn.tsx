// The agent editor's Turn-taking tab: how the agent knows the caller's turn is over (the end-of-turn
// model or the VAD's silence) and how long it waits, whether it starts replying early, what stops
// it while it speaks (how long and how many words; backchannels per language do not), what differs
// on phone calls, and the voice activity detection these all build on. Each edits the store's draft.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import type { TurnSettings } from "../../../packages/contracts/src/turn-taking.ts";
import { languageLabel } from "../stores/language-label.ts";
import { backchannelErrors, backchannelLists, phrasesOf, phrasesText, silenceFallbackLanguages, withBackchannels, withPhoneOverride, type BackchannelList } from "../stores/turn-settings.ts";
import { Field, NumberInput } from "../ui/fields.tsx";
import { useErr, type Props } from "./AgentEditorTabs.tsx";

const detections: { id: TurnSettings["detection"]; label: string; explain: string }[] = [
  {
    id: "semantic",
    label: "End-of-turn model (semantic)",
    explain: "A model hears whether the caller sounds finished: after a complete sentence the agent answers quickly, after a pause mid-sentence it waits longer.",
  },
  {
    id: "vad",
    label: "Silence only (VAD)",
    explain: "The turn ends after the same pause every time (the minimum silence under Voice activity detection), whatever the caller was saying.",
  },
];

export function TurnTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  if (!d) return null;
  const turn = d.turn;
  const setTurn = (fn: (t: TurnSettings) => void) => store.edit((x) => fn(x.turn));
  const vadMode = turn.detection === "vad";
  const num = (n: number | null) => n ?? Number.NaN;
  return (
    <div class="stack">
      <p class="muted">When the caller's turn is over, how early the agent starts its reply, and what makes it stop talking.</p>
      <h3>End of turn</h3>
      <div role="radiogroup" aria-label="End-of-turn detection" class="stack" data-field="turn.detection">
        {detections.map((m) => (
          <label key={m.id} class="inline">
            <input type="radio" name="turn-detection" value={m.id} checked={turn.detection === m.id} onChange={() => setTurn((t) => void (t.detection = m.id))} />
            <span>
              <strong>{m.label}</strong> <span class="muted">{m.explain}</span>
            </span>
          </label>
        ))}
      </div>
      {err("turn.detection") && <p class="error">{err("turn.detection")}</p>}
      {!vadMode && <SilenceFallback languages={d.locales.map((l) => l.language)} />}
      <OnlyIf on={!vadMode} class="grid">
        <div data-field="turn.minEndpointingDelayMs">
          <Field label="Minimum endpointing delay (ms)" error={err("turn.minEndpointingDelayMs")} hint={vadMode ? "Used by the end-of-turn model only" : "The pause before answering a caller who is clearly done"}>
            <NumberInput value={turn.minEndpointingDelayMs} min={0} max={3000} step={50} onValue={(n) => setTurn((t) => void (t.minEndpointingDelayMs = num(n)))} />
          </Field>
        </div>
        <div data-field="turn.maxEndpointingDelayMs">
          <Field label="Maximum endpointing delay (ms)" error={err("turn.maxEndpointingDelayMs")} hint={vadMode ? "Used by the end-of-turn model only" : "The longest wait when the caller sounds mid-thought"}>
            <NumberInput value={turn.maxEndpointingDelayMs} min={0} max={10_000} step={100} onValue={(n) => setTurn((t) => void (t.maxEndpointingDelayMs = num(n)))} />
          </Field>
        </div>
      </OnlyIf>
      <label class="inline">
        <input type="checkbox" data-field="turn.preemptiveGeneration" checked={turn.preemptiveGeneration} onChange={(e) => setTurn((t) => void (t.preemptiveGeneration = e.currentTarget.checked))} />
        Start the reply before the turn is confirmed (preemptive replies: faster answers; a reply is thrown away, with its model tokens, when the caller goes on)
      </label>

      <h3>Interruptions</h3>
      <div class="grid">
        <div data-field="turn.interruption.minDurationMs">
          <Field label="Minimum interruption speech (ms)" error={err("turn.interruption.minDurationMs")} hint="Shorter sounds (a cough, a click) do not stop the agent">
            <NumberInput value={turn.interruption.minDurationMs} min={0} max={5000} step={50} onValue={(n) => setTurn((t) => void (t.interruption.minDurationMs = num(n)))} />
          </Field>
        </div>
        <div data-field="turn.interruption.minWords">
          <Field label="Minimum words to interrupt" error={err("turn.interruption.minWords")} hint="0: speech without words interrupts too; backchannels never do">
            <NumberInput value={turn.interruption.minWords} min={0} max={10} step={1} onValue={(n) => setTurn((t) => void (t.interruption.minWords = num(n)))} />
          </Field>
        </div>
      </div>
      <label class="inline">
        <input type="checkbox" data-field="turn.interruption.resumeFalseInterruption" checked={turn.interruption.resumeFalseInterruption} onChange={(e) => setTurn((t) => void (t.interruption.resumeFalseInterruption = e.currentTarget.checked))} />
        Resume where it stopped after a false interruption (a noise, too few words, or backchannels only)
      </label>
      <label class="inline">
        <input type="checkbox" checked={d.vad.allowInterruptionsDuringFirstMessage} onChange={(e) => store.edit((x) => void (x.vad.allowInterruptionsDuringFirstMessage = e.currentTarget.checked))} />
        Let the caller interrupt the first message
      </label>
      <h4>Backchannels</h4>
      <p class="muted">Words that show the caller is listening ("yeah", "uh-huh") without taking the turn: said alone while the agent speaks, they do not interrupt it. Separate phrases with commas.</p>
      {backchannelLists(d).map((list) => (
        <BackchannelEditor key={list.language} list={list} errors={backchannelErrors(store.fields.value, list.language, list.phrases)} onChange={(phrases) => setTurn((t) => void (t.interruption.backchannels = withBackchannels(t.interruption.backchannels, list.language, phrases)))} />
      ))}

      <h3>Phone calls</h3>
      <p class="muted">Phone lines are noisier and lose more of the voice than the web: these replace the values above on phone calls. Empty: the same as above.</p>
      <div class="grid">
        <PhoneOverride store={store} turn={turn} name="minEndpointingDelayMs" label="Minimum endpointing delay (ms)" web={turn.minEndpointingDelayMs} max={3000} disabled={vadMode} />
        <PhoneOverride store={store} turn={turn} name="maxEndpointingDelayMs" label="Maximum endpointing delay (ms)" web={turn.maxEndpointingDelayMs} max={10_000} disabled={vadMode} />
        <PhoneOverride store={store} turn={turn} name="minInterruptionDurationMs" label="Minimum interruption speech (ms)" web={turn.interruption.minDurationMs} max={5000} disabled={false} />
      </div>

      <VadSettings store={store} vad={d.vad} />
    </div>
  );
}

/** The agent's languages the end-of-turn model does not know: their calls end turns on silence. */
function SilenceFallback({ languages }: { languages: string[] }) {
  const unknown = silenceFallbackLanguages(languages);
  if (unknown.length === 0) return null;
  return (
    <p class="muted" data-testid="turn-silence-fallback">
      The end-of-turn model does not know {unknown.map(languageLabel).join(", ")}: calls in {unknown.length === 1 ? "it" : "them"} end the turn after the minimum silence, as with silence only.
    </p>
  );
}

/** Its fields greyed out and skipped by the keyboard while they do not apply (a nested fieldset disables them all). */
function OnlyIf({ on, class: cls, children }: { on: boolean; class?: string; children: ComponentChildren }) {
  return (
    <fieldset disabled={!on} class={cls} style={{ border: "none", padding: 0, margin: 0, minWidth: 0 }}>
      {children}
    </fieldset>
  );
}

function PhoneOverride(props: { store: Props["store"]; turn: TurnSettings; name: keyof TurnSettings["phone"]; label: string; web: number; max: number; disabled: boolean }) {
  const err = useErr(props.store);
  const path = `turn.phone.${props.name}`;
  const value = props.turn.phone[props.name];
  return (
    <OnlyIf on={!props.disabled}>
      <div data-field={path}>
        <Field label={`Phone calls · ${props.label}`} error={err(path)} hint={props.disabled ? "Used by the end-of-turn model only" : `Empty: ${props.web} as on the web`}>
          <NumberInput value={value ?? null} min={0} max={props.max} step={50} placeholder={String(props.web)} onValue={(n) => props.store.edit((x) => void (x.turn.phone = withPhoneOverride(x.turn.phone, props.name, n)))} />
        </Field>
      </div>
    </OnlyIf>
  );
}

/**
 * One language's list as comma-separated text. The text is kept as typed (a trailing comma, a
 * half-typed phrase) and only replaced when the list changes from elsewhere (reset, reload).
 */
function BackchannelEditor({ list, errors, onChange }: { list: BackchannelList; errors: string[]; onChange: (phrases: string[] | null) => void }) {
  const [text, setText] = useState(phrasesText(list.phrases));
  useEffect(() => {
    if (phrasesText(phrasesOf(text)) !== phrasesText(list.phrases)) setText(phrasesText(list.phrases));
  }, [phrasesText(list.phrases)]);
  const name = languageLabel(list.language);
  const path = `turn.interruption.backchannels.${list.language}`;
  const status = !list.spoken
    ? "No language of this agent uses this list: it is kept, but not used."
    : list.custom
      ? list.builtIn.length > 0
        ? "Your list: it replaces the built-in one."
        : "Your list."
      : list.builtIn.length > 0
        ? "The built-in list."
        : "There is no built-in list for this language: add the words callers use to acknowledge.";
  const errorId = `error-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  return (
    <div class="card stack" data-backchannels={list.language}>
      <label class={errors.length > 0 ? "invalid" : ""}>
        {`Backchannels · ${name}`}
        <textarea
          rows={3}
          spellcheck={false}
          data-field={path}
          value={text}
          aria-invalid={errors.length > 0 ? "true" : undefined}
          aria-describedby={errors.length > 0 ? errorId : `${errorId}-status`}
          onInput={(e) => {
            const typed = e.currentTarget.value;
            setText(typed);
            onChange(phrasesOf(typed));
          }}
        />
      </label>
      {errors.length > 0 && (
        <ul class="error" id={errorId}>
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      <div class="row">
        <small class="muted" id={`${errorId}-status`} data-backchannels-status={list.custom ? "custom" : "built-in"}>
          {status}
        </small>
        <span class="spacer" />
        {list.custom && (
          <button type="button" class="link" onClick={() => onChange(null)}>
            {list.spoken ? `Reset ${name} to the built-in list` : `Remove the ${name} list`}
          </button>
        )}
      </div>
    </div>
  );
}

function VadSettings({ store, vad }: { store: Props["store"]; vad: AgentConfig["vad"] }) {
  const err = useErr(store);
  const setVad = (fn: (v: AgentConfig["vad"]) => void) => store.edit((x) => fn(x.vad));
  return (
    <>
      <h3>Voice activity detection</h3>
      <p class="muted">Tells speech from silence and noise; every setting above builds on it.</p>
      <div class="grid">
        <Field label={`Activation threshold (${vad.activationThreshold})`} error={err("vad.activationThreshold")} hint="Higher: less sensitive to noise">
          <input type="range" min={0.05} max={0.95} step={0.05} value={vad.activationThreshold} onInput={(e) => setVad((v) => void (v.activationThreshold = e.currentTarget.valueAsNumber))} />
        </Field>
        <Field label="Minimum speech (ms)" error={err("vad.minSpeechMs")}>
          <NumberInput value={vad.minSpeechMs} min={0} max={5000} step={10} onValue={(n) => setVad((v) => void (v.minSpeechMs = n ?? Number.NaN))} />
        </Field>
        <Field label="Minimum silence (ms)" error={err("vad.minSilenceMs")} hint="With silence-only detection: the pause that ends the caller's turn">
          <NumberInput value={vad.minSilenceMs} min={50} max={5000} step={10} onValue={(n) => setVad((v) => void (v.minSilenceMs = n ?? Number.NaN))} />
        </Field>
        <Field label="Prefix padding (ms)" error={err("vad.prefixPaddingMs")}>
          <NumberInput value={vad.prefixPaddingMs} min={0} max={2000} step={10} onValue={(n) => setVad((v) => void (v.prefixPaddingMs = n ?? Number.NaN))} />
        </Field>
      </div>
    </>
  );
}
