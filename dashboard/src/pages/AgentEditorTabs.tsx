// The agent editor's configuration tabs: General (name, prompt with {{variable}} checks and
// completion, temperature, token limit), Languages (locales), Models (LLM, STT, VAD) and Variables
// (the schema editor). Each edits the store's draft; errors come from the store's `fields`.
import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { BackgroundSound, type AgentConfig, type Locale } from "../../../packages/contracts/src/agents.ts";
import type { CatalogModel, ModelKind } from "../../../packages/contracts/src/catalog.ts";
import { VariableType, type VariablesSchema, type VariableSpec } from "../../../packages/contracts/src/variables.ts";
import { applyCompletion, completionAt, formatDefault, parseDefault, promptVariables, type Completion } from "../stores/agent-editor-text.ts";
import { newVariableName, renameKey, type AgentEditorStore } from "../stores/agent-editor.ts";
import { Field, NumberInput } from "../ui/fields.tsx";

type Props = { store: AgentEditorStore };

const useErr = (store: AgentEditorStore) => (key: string) => store.fields.value[key];

export function GeneralTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  if (!d) return null;
  return (
    <div class="stack">
      <Field label="Name" error={err("name")}>
        <input value={d.name} maxLength={50} onInput={(e) => store.edit((x) => void (x.name = e.currentTarget.value))} />
      </Field>
      <Field label="System prompt" error={err("systemPrompt")} hint="Type {{ to insert a declared variable.">
        <PromptInput
          value={d.systemPrompt}
          variables={d.variables}
          onValue={(v) => store.edit((x) => void (x.systemPrompt = v))}
          onDeclare={(name) => store.edit((x) => void (x.variables.properties[name] = { type: "string" }))}
          rows={14}
        />
      </Field>
      <div class="grid">
        <Field label="Temperature" error={err("temperature")} hint="0 = focused, 1 = creative">
          <div class="row">
            <input type="range" min={0} max={1} step={0.05} value={d.temperature} onInput={(e) => store.edit((x) => void (x.temperature = e.currentTarget.valueAsNumber))} />
            <NumberInput value={d.temperature} min={0} max={1} step={0.05} label="Temperature value" onValue={(n) => store.edit((x) => void (x.temperature = n ?? Number.NaN))} />
          </div>
        </Field>
        <Field label="Token limit per conversation" error={err("maxTokensPerConversation")} hint="Empty: no limit">
          <NumberInput value={d.maxTokensPerConversation} min={100} step={1} placeholder="No limit" onValue={(n) => store.edit((x) => void (x.maxTokensPerConversation = n))} />
        </Field>
      </div>
    </div>
  );
}

/**
 * A textarea for templates: under it the `{{variables}}` it uses (declared, unknown with a button
 * to declare, malformed), and after `{{` a list of declared names to complete (↑ ↓, Enter or Tab, Esc).
 */
export function PromptInput(props: { value: string; variables: VariablesSchema; onValue: (v: string) => void; onDeclare: (name: string) => void; rows?: number }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  const pendingCaret = useRef<number | null>(null);
  const names = Object.keys(props.variables.properties);
  const completion: Completion | null = caret === null || closed ? null : completionAt(props.value, caret, names);
  const used = promptVariables(props.value, props.variables);

  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at !== null && ref.current) {
      ref.current.setSelectionRange(at, at);
      pendingCaret.current = null;
    }
  });

  const track = (el: HTMLTextAreaElement) => {
    setCaret(el.selectionStart === el.selectionEnd ? el.selectionStart : null);
    setClosed(false);
  };
  const pick = (name: string) => {
    if (!completion || caret === null) return;
    const next = applyCompletion(props.value, caret, completion, name);
    pendingCaret.current = next.cursor;
    setCaret(next.cursor);
    setActive(0);
    props.onValue(next.text);
    ref.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!completion) return;
    const n = completion.options.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setActive((i) => (i + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      pick(completion.options[Math.min(active, n - 1)] ?? "");
    } else if (e.key === "Escape") {
      e.preventDefault();
      setClosed(true);
    }
  };

  return (
    <div class="prompt">
      <textarea
        ref={ref}
        rows={props.rows ?? 4}
        value={props.value}
        spellcheck={false}
        onInput={(e) => {
          props.onValue(e.currentTarget.value);
          track(e.currentTarget);
          setActive(0);
        }}
        onKeyUp={(e) => !["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"].includes(e.key) && track(e.currentTarget)}
        onClick={(e) => track(e.currentTarget)}
        onBlur={() => setTimeout(() => setCaret(null), 150)}
        onKeyDown={onKeyDown}
      />
      {completion && (
        <ul class="completion" role="listbox">
          {completion.options.map((name, i) => (
            <li key={name} role="option" aria-selected={i === active} class={i === active ? "active" : ""} onMouseDown={(e) => (e.preventDefault(), pick(name))}>
              {`{{${name}}}`} <small class="muted">{props.variables.properties[name]?.type}</small>
            </li>
          ))}
        </ul>
      )}
      {(used.declared.length > 0 || used.unknown.length > 0 || used.malformed.length > 0) && (
        <div class="row vars">
          {used.declared.map((n) => (
            <code key={n} class="var ok" title="declared variable">{`{{${n}}}`}</code>
          ))}
          {used.unknown.map((n) => (
            <span key={n} class="var unknown" title="not declared: saving is refused">
              <code>{`{{${n}}}`}</code> unknown{" "}
              <button type="button" class="link" onClick={() => props.onDeclare(n)}>
                declare
              </button>
            </span>
          ))}
          {used.malformed.map((s) => (
            <code key={s} class="var unknown" title="malformed placeholder">
              {s}
            </code>
          ))}
        </div>
      )}
    </div>
  );
}

const modelValue = (m: { provider: string; model: string }) => `${m.provider}|${m.model}`;

/** A select of the enabled catalog models of a kind; the current choice stays listed even when the catalog lacks it. */
export function ModelSelect(props: { store: AgentEditorStore; kind: ModelKind; value: { provider: string; model: string }; onPick: (m: CatalogModel) => void; language?: string }) {
  const all = (props.store.catalog.value ?? []).filter((m) => m.kind === props.kind);
  const fits = (m: CatalogModel) => !props.language || m.languages.length === 0 || m.languages.some((l) => l.toLowerCase() === props.language?.toLowerCase() || props.language?.toLowerCase().startsWith(`${l.toLowerCase()}-`));
  const current = modelValue(props.value);
  const known = all.some((m) => modelValue(m) === current);
  return (
    <select
      value={current}
      onChange={(e) => {
        const picked = all.find((m) => modelValue(m) === e.currentTarget.value);
        if (picked) props.onPick(picked);
      }}
    >
      {!known && <option value={current}>{`${props.value.provider} / ${props.value.model} (not in the catalog)`}</option>}
      {all.map((m) => (
        <option key={m.id} value={modelValue(m)}>
          {m.displayName} ({m.provider}){fits(m) ? "" : " — not for this language"}
        </option>
      ))}
    </select>
  );
}

const defaultVoice = (m: CatalogModel) => (typeof m.defaultParams["voice"] === "string" ? m.defaultParams["voice"] : null);

export function LanguagesTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  const adding = useSignal("");
  if (!d) return null;
  const add = () => {
    const language = adding.value.trim();
    if (!language) return;
    store.edit((x) => {
      const base = x.locales.find((l) => l.language === x.defaultLanguage) ?? x.locales[0];
      const locale: Locale = {
        language,
        firstMessage: "",
        tts: base ? structuredClone(base.tts) : { provider: "", model: "", voice: "", params: {} },
        speed: 1,
        background: { sound: "none", volume: 0.2 },
      };
      x.locales.push(locale);
    });
    adding.value = "";
  };
  const remove = (i: number) =>
    store.edit((x) => {
      const [gone] = x.locales.splice(i, 1);
      if (gone && gone.language === x.defaultLanguage) x.defaultLanguage = x.locales[0]?.language ?? x.defaultLanguage;
    });
  return (
    <div class="stack">
      <div class="grid">
        <Field label="Default language" error={err("defaultLanguage")}>
          <select value={d.defaultLanguage} onChange={(e) => store.edit((x) => void (x.defaultLanguage = e.currentTarget.value))}>
            {!d.locales.some((l) => l.language === d.defaultLanguage) && <option value={d.defaultLanguage}>{d.defaultLanguage} (no locale)</option>}
            {d.locales.map((l) => (
              <option key={l.language} value={l.language}>
                {l.language}
              </option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={d.autoDetectLanguage} onChange={(e) => store.edit((x) => void (x.autoDetectLanguage = e.currentTarget.checked))} />
          Detect the caller's language automatically
        </label>
      </div>
      {err("locales") && <p class="error">{err("locales")}</p>}
      {d.locales.map((l, i) => (
        <LocaleCard key={i} store={store} locale={l} index={i} isDefault={l.language === d.defaultLanguage} onRemove={d.locales.length > 1 ? () => remove(i) : null} variables={d.variables} />
      ))}
      <div class="row">
        <input aria-label="New locale's language" placeholder="Language tag, e.g. de or pt-BR" value={adding.value} onInput={(e) => (adding.value = e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), add())} />
        <button type="button" onClick={add} disabled={!adding.value.trim()}>
          Add language
        </button>
      </div>
    </div>
  );
}

function LocaleCard(props: { store: AgentEditorStore; locale: Locale; index: number; isDefault: boolean; onRemove: (() => void) | null; variables: VariablesSchema }) {
  const { store, locale: l, index: i } = props;
  const err = useErr(store);
  const k = (rest: string) => `locales.${i}.${rest}`;
  const set = (fn: (x: Locale, config: AgentConfig) => void) =>
    store.edit((x) => {
      const target = x.locales[i];
      if (target) fn(target, x);
    });
  return (
    <div class="card">
      <div class="row">
        <strong>{l.language || "New language"}</strong>
        {props.isDefault && <span class="badge ok">default</span>}
        <span class="spacer" />
        {props.onRemove && (
          <button type="button" class="link danger" onClick={props.onRemove}>
            Remove
          </button>
        )}
      </div>
      <div class="grid">
        <Field label="Language" error={err(k("language"))}>
          <input
            value={l.language}
            onInput={(e) =>
              set((x, config) => {
                if (config.defaultLanguage === x.language) config.defaultLanguage = e.currentTarget.value;
                x.language = e.currentTarget.value;
              })
            }
          />
        </Field>
        <Field label="Text to speech" error={err(k("tts.model")) ?? err(k("tts.provider"))}>
          <ModelSelect
            store={store}
            kind="tts"
            value={l.tts}
            language={l.language}
            onPick={(m) =>
              set((x) => {
                const voice = defaultVoice(m);
                if (voice && m.provider !== x.tts.provider) x.tts.voice = voice;
                x.tts.provider = m.provider;
                x.tts.model = m.model;
              })
            }
          />
        </Field>
        <Field label="Voice" error={err(k("tts.voice"))}>
          <input value={l.tts.voice} placeholder="voice id of the TTS provider" onInput={(e) => set((x) => void (x.tts.voice = e.currentTarget.value))} />
        </Field>
        <Field label={`Speed (${l.speed}×)`} error={err(k("speed"))}>
          <input type="range" min={0.5} max={2} step={0.05} value={l.speed} onInput={(e) => set((x) => void (x.speed = e.currentTarget.valueAsNumber))} />
        </Field>
        <Field label="Background sound" error={err(k("background.sound"))}>
          <select value={l.background.sound} onChange={(e) => set((x) => void (x.background.sound = BackgroundSound.parse(e.currentTarget.value)))}>
            {BackgroundSound.options.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label={`Background volume (${Math.round(l.background.volume * 100)}%)`} error={err(k("background.volume"))}>
          <input type="range" min={0} max={1} step={0.05} value={l.background.volume} disabled={l.background.sound === "none"} onInput={(e) => set((x) => void (x.background.volume = e.currentTarget.valueAsNumber))} />
        </Field>
      </div>
      <Field label="First message" error={err(k("firstMessage"))} hint="Said when the call starts; empty: the caller speaks first.">
        <PromptInput
          value={l.firstMessage}
          variables={props.variables}
          rows={2}
          onValue={(v) => set((x) => void (x.firstMessage = v))}
          onDeclare={(name) => store.edit((x) => void (x.variables.properties[name] = { type: "string" }))}
        />
      </Field>
    </div>
  );
}

export function ModelsTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  if (!d) return null;
  const vad = d.vad;
  const setVad = (fn: (v: AgentConfig["vad"]) => void) => store.edit((x) => fn(x.vad));
  return (
    <div class="stack">
      {!store.catalog.value && <p class="muted">Loading the catalog…</p>}
      <div class="grid">
        <Field label="Language model (LLM)" error={err("llm.model") ?? err("llm.provider") ?? err("llm")}>
          <ModelSelect store={store} kind="llm" value={d.llm} onPick={(m) => store.edit((x) => void (x.llm = { provider: m.provider, model: m.model, params: {} }))} />
        </Field>
        <Field label="Speech to text (STT)" error={err("stt.model") ?? err("stt.provider") ?? err("stt")}>
          <ModelSelect store={store} kind="stt" value={d.stt} language={d.defaultLanguage} onPick={(m) => store.edit((x) => void (x.stt = { provider: m.provider, model: m.model, params: {} }))} />
        </Field>
      </div>
      <h3>Voice activity detection</h3>
      <div class="grid">
        <Field label={`Activation threshold (${vad.activationThreshold})`} error={err("vad.activationThreshold")} hint="Higher: less sensitive to noise">
          <input type="range" min={0.05} max={0.95} step={0.05} value={vad.activationThreshold} onInput={(e) => setVad((v) => void (v.activationThreshold = e.currentTarget.valueAsNumber))} />
        </Field>
        <Field label="Minimum speech (ms)" error={err("vad.minSpeechMs")}>
          <NumberInput value={vad.minSpeechMs} min={0} max={5000} step={10} onValue={(n) => setVad((v) => void (v.minSpeechMs = n ?? Number.NaN))} />
        </Field>
        <Field label="Minimum silence (ms)" error={err("vad.minSilenceMs")} hint="Pause that ends the caller's turn">
          <NumberInput value={vad.minSilenceMs} min={50} max={5000} step={10} onValue={(n) => setVad((v) => void (v.minSilenceMs = n ?? Number.NaN))} />
        </Field>
        <Field label="Prefix padding (ms)" error={err("vad.prefixPaddingMs")}>
          <NumberInput value={vad.prefixPaddingMs} min={0} max={2000} step={10} onValue={(n) => setVad((v) => void (v.prefixPaddingMs = n ?? Number.NaN))} />
        </Field>
        <label class="check">
          <input type="checkbox" checked={vad.allowInterruptionsDuringFirstMessage} onChange={(e) => setVad((v) => void (v.allowInterruptionsDuringFirstMessage = e.currentTarget.checked))} />
          Let the caller interrupt the first message
        </label>
      </div>
    </div>
  );
}

export function VariablesTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  if (!d) return null;
  const props = d.variables.properties;
  const entries = Object.entries(props);
  const add = () => store.edit((x) => void (x.variables.properties[newVariableName(x.variables.properties)] = { type: "string" }));
  return (
    <div class="stack">
      <p class="muted">Variables are filled per session (widget attributes, the public link's query, the API) and used in prompts as {"{{name}}"}.</p>
      {err("variables") && <p class="error">{err("variables")}</p>}
      {err("variables.properties") && <p class="error">{err("variables.properties")}</p>}
      {entries.length === 0 ? (
        <p class="muted">No variables declared.</p>
      ) : (
        <table class="vars-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Description</th>
              <th>Default</th>
              <th>Required</th>
              <th>Nullable</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {entries.map(([name, spec]) => (
              <VariableRow key={name} store={store} name={name} spec={spec} required={d.variables.required.includes(name)} taken={props} />
            ))}
          </tbody>
        </table>
      )}
      <div class="row">
        <button type="button" onClick={add}>
          Add variable
        </button>
      </div>
    </div>
  );
}

function VariableRow(props: { store: AgentEditorStore; name: string; spec: VariableSpec; required: boolean; taken: Record<string, VariableSpec> }) {
  const { store, name, spec } = props;
  const err = useErr(store);
  const [text, setText] = useState(name);
  const [nameError, setNameError] = useState<string | null>(null);
  const k = (rest: string) => `variables.properties.${name}${rest ? `.${rest}` : ""}`;
  const set = (fn: (s: VariableSpec) => void) =>
    store.edit((x) => {
      const target = x.variables.properties[name];
      if (target) fn(target);
    });
  const commitName = () => {
    const next = text.trim();
    if (next === name) return;
    if (Object.hasOwn(props.taken, next)) {
      setNameError(`"${next}" is already declared`);
      setText(name);
      return;
    }
    setNameError(null);
    store.edit((x) => {
      x.variables.properties = renameKey(x.variables.properties, name, next);
      x.variables.required = x.variables.required.map((r) => (r === name ? next : r));
    });
  };
  const remove = () =>
    store.edit((x) => {
      x.variables.properties = Object.fromEntries(Object.entries(x.variables.properties).filter(([n]) => n !== name));
      x.variables.required = x.variables.required.filter((r) => r !== name);
    });
  const rowError = nameError ?? err(k("")) ?? err(`variables.required.${store.draft.value?.variables.required.indexOf(name) ?? -1}`);
  return (
    <tr>
      <td>
        <input aria-label="Variable name" value={text} onInput={(e) => setText(e.currentTarget.value)} onChange={commitName} onKeyDown={(e) => e.key === "Enter" && commitName()} />
        {rowError && <div class="error">{rowError}</div>}
      </td>
      <td>
        <select
          aria-label="Type"
          value={spec.type}
          onChange={(e) =>
            set((s) => {
              s.type = VariableType.parse(e.currentTarget.value);
              if (s.default !== undefined && s.default !== null) {
                const re = parseDefault(s.type, String(s.default));
                if (re === undefined) delete s.default;
                else s.default = re;
              }
            })
          }
        >
          {VariableType.options.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input aria-label="Description" value={spec.description ?? ""} onInput={(e) => set((s) => (e.currentTarget.value ? (s.description = e.currentTarget.value) : delete s.description))} />
        {err(k("description")) && <div class="error">{err(k("description"))}</div>}
      </td>
      <td>
        {spec.type === "boolean" ? (
          <select aria-label="Default" value={formatDefault(spec.default)} onChange={(e) => set((s) => setDefault(s, parseDefault("boolean", e.currentTarget.value)))}>
            <option value="">no default</option>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : (
          <input aria-label="Default" value={formatDefault(spec.default)} placeholder="no default" onInput={(e) => set((s) => setDefault(s, parseDefault(s.type, e.currentTarget.value)))} />
        )}
        {err(k("default")) && <div class="error">{err(k("default"))}</div>}
      </td>
      <td>
        <input
          type="checkbox"
          aria-label="Required"
          checked={props.required}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            store.edit((x) => void (x.variables.required = on ? [...x.variables.required, name] : x.variables.required.filter((r) => r !== name)));
          }}
        />
      </td>
      <td>
        <input type="checkbox" aria-label="Nullable" checked={spec.nullable === true} onChange={(e) => set((s) => (e.currentTarget.checked ? (s.nullable = true) : delete s.nullable))} />
      </td>
      <td>
        <button type="button" class="link danger" onClick={remove}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function setDefault(spec: VariableSpec, value: VariableSpec["default"]): void {
  if (value === undefined) delete spec.default;
  else spec.default = value;
}
